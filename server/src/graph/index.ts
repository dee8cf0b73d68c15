/**
 * The knowledge-graph capability: deterministic extractors run as a step of each repository's
 * index run (`extract`), facts with their source file and line in Postgres (RLS), and the
 * read side: REST routes and the services the MCP tools call. Design: docs/knowledge-graph.md.
 */
import type { StagedRun } from "../indexing/index.js";
import type { Capability } from "../platform/capability.js";
import type { Database } from "../platform/db/database.js";
import type { Queryable, TenantScope } from "../platform/db/tenant.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import type { Logger } from "../platform/logging.js";
import { type CodeParser, extractGraph, graphBehind } from "./graph-extraction.js";
import { registerGraphRoutes } from "./graph.route.js";
import { contextFor } from "./context.service.js";
import { getNode, impact, listNodes, neighbors, nodesNamed } from "./graph.service.js";
import { instructionsFor } from "./instructions.service.js";

export type { ContextItem, OrgContext } from "./context.service.js";
export type { GraphEdge, GraphNode, Omitted, ReachedNode } from "./graph.service.js";
export type { AppliedInstruction } from "./instructions.service.js";
export { NODE_KINDS } from "./extractors/index.js";
export { compareGroups, DEPENDENCY_GROUPS, dependencyGroupOf } from "./graph.service.js";
export { type TopicWord, topicTerms } from "./topic-terms.js";

/** Drops the database argument of a read service: the graph binds it once. */
type Bound<F> = F extends (db: Database, scope: TenantScope, ...rest: infer A) => infer R ? (scope: TenantScope, ...rest: A) => R : never;

/** The graph's read side, in the caller's organisation: REST and the MCP tools call these. */
export interface GraphReader {
  /** Nodes declared in the org's indexed files, by name and kind. */
  listNodes: Bound<typeof listNodes>;
  /** One node with its declarations and edges. @throws not_found. */
  getNode: Bound<typeof getNode>;
  /** The nodes within a few edges of one. */
  neighbors: Bound<typeof neighbors>;
  /** What depends on a node, transitively. */
  impact: Bound<typeof impact>;
  /** Nodes by exact name across kinds and ecosystems. */
  nodesNamed: Bound<typeof nodesNamed>;
  /** The get_context answer for a topic, repository or path. */
  contextFor: Bound<typeof contextFor>;
  /** The rules and owners for a path. */
  instructionsFor: Bound<typeof instructionsFor>;
}

/** What the capability offers the roles. */
export interface Graph extends Capability, GraphReader {
  registerRoutes(router: ApiRouter): void;
  /**
   * The index run's graph step: the changed files' facts for the staged generation, written in
   * the run's transaction, so they are published with it. `parser` is the run's symbol
   * extractor (route declarations in code).
   */
  extract(tx: Queryable, staged: StagedRun, parser: CodeParser): Promise<void>;
  /**
   * Queues an index run for every indexed repository whose graph was never extracted or was
   * extracted by older rules (after an upgrade), at most `limit`; answers how many.
   */
  backfill(requestIndexRun: (payload: { orgId: string; repositoryId: string }) => Promise<void>, limit?: number): Promise<number>;
}

/** Builds the capability (no I/O until used). */
export function createGraph(deps: { db: Database; logger: Logger }): Graph {
  const logger = deps.logger.child({ module: "graph" });
  const { db } = deps;
  const reader: GraphReader = {
    listNodes: (scope, input) => listNodes(db, scope, input),
    getNode: (scope, key, edgeLimit) => getNode(db, scope, key, edgeLimit),
    neighbors: (scope, input) => neighbors(db, scope, input),
    impact: (scope, input) => impact(db, scope, input),
    nodesNamed: (scope, name) => nodesNamed(db, scope, name),
    contextFor: (scope, input) => contextFor(db, scope, input),
    instructionsFor: (scope, input) => instructionsFor(db, scope, input),
  };
  return {
    ...reader,
    registerRoutes: (router) => registerGraphRoutes(router, reader),
    async backfill(requestIndexRun, limit = 1_000) {
      const due = await graphBehind(deps.db, limit);
      for (const repo of due) await requestIndexRun(repo);
      if (due.length > 0) logger.info({ repositories: due.length }, "index runs queued to extract the knowledge graph");
      return due.length;
    },
    async extract(tx, staged, parser) {
      const { failures, ...summary } = await extractGraph(tx, staged, parser);
      for (const failure of failures.slice(0, 20)) {
        logger.warn(
          { err: failure.error, repositoryId: staged.repositoryId, path: failure.path },
          "a knowledge-graph extractor failed on a file; it gave no facts",
        );
      }
      if (summary.read > 0 || summary.removed > 0) logger.debug({ repositoryId: staged.repositoryId, ...summary }, "graph facts extracted");
    },
  };
}
