/**
 * package.json: the npm package (name, version, folder, kind, workspaces) and its declared
 * dependencies (runtime, dev, peer, optional) as `depends_on` edges to `npm:<name>`. A
 * manifest without a name (a workspace root) is a package of its repository's folder.
 * Parsed with the `yaml` parser for key lines.
 */
import { baseName, dirName, type Extractor, ExtractionProblem, type Fact, isRecord } from "./extractor.js";
import { localKey, npmKey } from "./graph-keys.js";
import { packageKindOf } from "./package-kinds.js";
import { parseYaml } from "./structured-text.js";

const SCOPES = [
  ["dependencies", "runtime"],
  ["devDependencies", "dev"],
  ["peerDependencies", "peer"],
  ["optionalDependencies", "optional"],
] as const;

/** Most dependencies read per manifest. */
const MAX_DEPENDENCIES = 500;

/** The extractor. */
export const npmExtractor: Extractor = {
  name: "npm",
  matches: (path) => baseName(path) === "package.json",
  extract({ repositoryId, path, text }) {
    const doc = parseYaml(text);
    if (!isRecord(doc.value)) throw new ExtractionProblem("package.json is not an object");
    const manifest = doc.value;
    const dir = dirName(path);
    const name = typeof manifest.name === "string" && manifest.name.length > 0 ? manifest.name : undefined;
    const subject = name ? npmKey(name) : localKey("package", repositoryId, dir || ".");
    const deps = (field: string) => (isRecord(manifest[field]) ? Object.keys(manifest[field] as object) : []);
    const executables = typeof manifest.bin === "string" ? [name ?? dir] : isRecord(manifest.bin) ? Object.keys(manifest.bin) : [];
    const kind = packageKindOf("npm", { executables, dependencies: deps("dependencies"), devDependencies: deps("devDependencies") });
    const workspaces = Array.isArray(manifest.workspaces) ? manifest.workspaces : isRecord(manifest.workspaces) ? manifest.workspaces.packages : undefined;
    const facts: Fact[] = [
      {
        line: doc.lineOf(["name"]),
        subject,
        predicate: "is",
        object: "package",
        props: {
          name: name ?? (dir || "(root)"),
          ecosystem: "npm",
          path: dir,
          version: typeof manifest.version === "string" ? manifest.version : undefined,
          private: manifest.private === true ? true : undefined,
          kind: kind.kind,
          evidence: kind.evidence,
          description: typeof manifest.description === "string" ? manifest.description.slice(0, 300) : undefined,
          workspaces: Array.isArray(workspaces) ? workspaces.filter((w): w is string => typeof w === "string").slice(0, 100) : undefined,
        },
      },
    ];
    let count = 0;
    for (const [field, scope] of SCOPES) {
      const declared = manifest[field];
      if (!isRecord(declared)) continue;
      for (const [dep, version] of Object.entries(declared)) {
        if (++count > MAX_DEPENDENCIES) break;
        facts.push({
          line: doc.lineOf([field, dep]),
          subject,
          predicate: "depends_on",
          object: npmKey(dep),
          props: { scope, version: typeof version === "string" ? version.slice(0, 100) : undefined },
        });
      }
    }
    return facts;
  },
};
