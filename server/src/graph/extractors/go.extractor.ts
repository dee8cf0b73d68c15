/**
 * go.mod and go.work. go.mod gives the module (a package node `go:<module path>`) and its
 * `require` directives as `depends_on` edges (`indirect` ones marked); go.work gives the
 * workspace's `use` folders. Both files are read with a tokenizer for the go.mod grammar
 * (directives, blocks in parentheses, `//` comments), as `go mod edit -json` would.
 */
import { baseName, dirName, type Extractor, ExtractionProblem, type Fact, joinPath } from "./extractor.js";
import { goKey, localKey } from "./graph-keys.js";
import { packageKindOf } from "./package-kinds.js";

/** One directive line: its verb (from the block when inside one), arguments and comment. */
interface Directive {
  verb: string;
  args: string[];
  comment: string;
  line: number;
}

/** Reads go.mod-style directives. */
function directives(text: string): Directive[] {
  const out: Directive[] = [];
  let block: string | undefined;
  text.split("\n").forEach((raw, i) => {
    const commentAt = raw.indexOf("//");
    const code = (commentAt < 0 ? raw : raw.slice(0, commentAt)).trim();
    const comment = commentAt < 0 ? "" : raw.slice(commentAt + 2).trim();
    if (code === "") return;
    const words = code.split(/\s+/).map((w) => w.replace(/^"(.*)"$/, "$1"));
    if (block !== undefined) {
      if (code === ")") block = undefined;
      else out.push({ verb: block, args: words, comment, line: i + 1 });
      return;
    }
    if (words.length === 2 && words[1] === "(") {
      block = words[0]!;
      return;
    }
    out.push({ verb: words[0]!, args: words.slice(1), comment, line: i + 1 });
  });
  if (block !== undefined) throw new ExtractionProblem(`unclosed ${block} ( block`);
  return out;
}

/** Most requirements read per go.mod. */
const MAX_REQUIREMENTS = 500;

/** The extractor. */
export const goExtractor: Extractor = {
  name: "go",
  matches: (path) => baseName(path) === "go.mod" || baseName(path) === "go.work",
  extract({ repositoryId, path, text }) {
    const all = directives(text);
    const dir = dirName(path);
    if (baseName(path) === "go.work") {
      const uses = all.filter((d) => d.verb === "use" && d.args[0]);
      return [
        {
          line: all.find((d) => d.verb === "go")?.line ?? 1,
          subject: localKey("workspace", repositoryId, path),
          predicate: "is",
          object: "workspace",
          props: { name: `${dir || "(root)"} go.work`, ecosystem: "go", path: dir, members: uses.map((u) => joinPath(dir, u.args[0]!) || ".").slice(0, 200) },
        },
      ];
    }
    const module = all.find((d) => d.verb === "module");
    if (!module?.args[0]) throw new ExtractionProblem("go.mod has no module directive");
    const subject = goKey(module.args[0]);
    const requires = all.filter((d) => d.verb === "require" && d.args.length >= 2).slice(0, MAX_REQUIREMENTS);
    const direct = requires.filter((r) => !/\bindirect\b/.test(r.comment)).map((r) => r.args[0]!);
    const kind = packageKindOf("go", { executables: [], dependencies: direct });
    const facts: Fact[] = [
      {
        line: module.line,
        subject,
        predicate: "is",
        object: "package",
        props: { name: module.args[0], ecosystem: "go", path: dir, go: all.find((d) => d.verb === "go")?.args[0], kind: kind.kind, evidence: kind.evidence },
      },
    ];
    for (const r of requires) {
      facts.push({
        line: r.line,
        subject,
        predicate: "depends_on",
        object: goKey(r.args[0]!),
        props: { scope: /\bindirect\b/.test(r.comment) ? "indirect" : "runtime", version: r.args[1] },
      });
    }
    return facts;
  },
};
