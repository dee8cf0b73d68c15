/**
 * GraphQL schemas (`*.graphql`, `*.graphqls`, `*.gql`): the root types' fields (Query,
 * Mutation, Subscription, or the names a `schema { … }` gives, `extend type` included) as
 * `operation` facts of one API node per file. Parsed with graphql-js; a file that holds only
 * client operations (no type definitions) gives no facts. graphql-js (170 modules) is imported
 * when the first schema is read (`load`), not when the process starts.
 */
import type { DocumentNode } from "graphql";
import { baseName, dirName, type Extractor, ExtractionProblem, type Fact } from "./extractor.js";
import { localKey } from "./graph-keys.js";

/** Most tokens parsed (graphql-js refuses more), and most operations kept. */
const MAX_TOKENS = 100_000;
const MAX_OPERATIONS = 300;

let graphql: typeof import("graphql") | undefined;

/** The extractor. */
export const graphqlExtractor: Extractor = {
  name: "graphql",
  matches: (path) => /\.(graphqls?|gql)$/.test(path),
  async load() {
    graphql ??= await import("graphql");
  },
  extract({ repositoryId, path, text }) {
    if (!graphql) throw new Error("graphqlExtractor.load() was not awaited");
    const { Kind } = graphql;
    let doc: DocumentNode;
    try {
      doc = graphql.parse(text, { maxTokens: MAX_TOKENS });
    } catch (err) {
      throw new ExtractionProblem(`not valid GraphQL: ${(err as Error).message.split("\n")[0]}`);
    }
    const roots = new Map([
      ["Query", "query"],
      ["Mutation", "mutation"],
      ["Subscription", "subscription"],
    ]);
    for (const def of doc.definitions) {
      if (def.kind === Kind.SCHEMA_DEFINITION || def.kind === Kind.SCHEMA_EXTENSION) {
        for (const op of def.operationTypes ?? []) roots.set(op.type.name.value, op.operation);
      }
    }
    const subject = localKey("api", repositoryId, path);
    const ops: Fact[] = [];
    let types = 0;
    for (const def of doc.definitions) {
      if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
      types++;
      const operation = roots.get(def.name.value);
      if (!operation) continue;
      for (const field of def.fields ?? []) {
        if (ops.length >= MAX_OPERATIONS) break;
        ops.push({
          line: field.name.loc?.startToken.line ?? 1,
          subject,
          predicate: "operation",
          object: `${operation} ${field.name.value}`,
          props: { description: field.description?.value.slice(0, 200) },
        });
      }
    }
    if (types === 0) return [];
    return [
      {
        line: 1,
        subject,
        predicate: "is",
        object: "api",
        props: { name: baseName(path), spec: "graphql", path, folder: dirName(path), operations: ops.length },
      },
      ...ops,
    ];
  },
};
