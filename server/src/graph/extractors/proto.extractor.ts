/**
 * Protocol Buffers (`*.proto`): each `service` with its `rpc` methods, as an API node
 * (`api:<repoId>:<path>#<package.Service>`) with one `operation` fact per method (request
 * and response types). Read with the brace tokenizer (comments and strings skipped).
 */
import { dirName, type Extractor, type Fact } from "./extractor.js";
import { closingIndex, tokenize } from "./code-tokens.js";
import { localKey } from "./graph-keys.js";

/** Most services and methods read per file. */
const MAX_METHODS = 300;

/** The extractor. */
export const protoExtractor: Extractor = {
  name: "protobuf",
  matches: (path) => path.endsWith(".proto"),
  extract({ repositoryId, path, text }) {
    const tokens = tokenize(text);
    const facts: Fact[] = [];
    let pkg = "";
    let methods = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.type === "ident" && t.text === "package" && tokens[i + 1]?.type === "ident") pkg = tokens[i + 1]!.text;
      if (!(t.type === "ident" && t.text === "service" && tokens[i + 1]?.type === "ident" && tokens[i + 2]?.text === "{")) continue;
      const name = pkg ? `${pkg}.${tokens[i + 1]!.text}` : tokens[i + 1]!.text;
      const subject = localKey("api", repositoryId, `${path}#${name}`);
      const end = closingIndex(tokens, i + 2);
      const ops: Fact[] = [];
      for (let k = i + 3; k < end; k++) {
        if (!(tokens[k]!.text === "rpc" && tokens[k + 1]?.type === "ident") || methods >= MAX_METHODS) continue;
        // rpc Name ( [stream] Request ) returns ( [stream] Response )
        const typeAfter = (open: number) => {
          const inner = tokens.slice(open + 1, closingIndex(tokens, open)).filter((x) => x.type === "ident");
          return inner.map((x) => x.text).join(" ");
        };
        const reqOpen = k + 2;
        const returnsAt = tokens.findIndex((x, idx) => idx > reqOpen && x.text === "returns");
        const request = tokens[reqOpen]?.text === "(" ? typeAfter(reqOpen) : "";
        const response = returnsAt > 0 && tokens[returnsAt + 1]?.text === "(" ? typeAfter(returnsAt + 1) : "";
        ops.push({ line: tokens[k]!.line, subject, predicate: "operation", object: `rpc ${tokens[k + 1]!.text}`, props: { request, response } });
        methods++;
      }
      facts.push(
        { line: t.line, subject, predicate: "is", object: "api", props: { name, spec: "protobuf", path, folder: dirName(path), operations: ops.length } },
        ...ops,
      );
      i = end;
    }
    return facts;
  },
};
