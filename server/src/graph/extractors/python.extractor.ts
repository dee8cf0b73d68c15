/**
 * pyproject.toml: the distribution (`[project]`, or `[tool.poetry]`), its scripts, and its
 * dependencies: `project.dependencies`, `project.optional-dependencies`, `dependency-groups`
 * (uv, PEP 735) and Poetry's `dependencies` and groups, as `depends_on` edges to
 * `pypi:<normalised name>`. Requirement strings are read with the PEP 508 name rule.
 */
import { baseName, dirName, type Extractor, type Fact, isRecord } from "./extractor.js";
import { localKey, pypiKey } from "./graph-keys.js";
import { packageKindOf } from "./package-kinds.js";
import { parseTomlDocument } from "./structured-text.js";

/** The distribution name at the start of a PEP 508 requirement, and the rest (version, markers). */
function requirementOf(spec: string): { name: string; version?: string } | undefined {
  const match = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/.exec(spec);
  if (!match) return undefined;
  const version = match[3]!.split(";")[0]!.trim();
  return { name: match[1]!, version: version || undefined };
}

/** The extractor. */
export const pythonExtractor: Extractor = {
  name: "python",
  matches: (path) => baseName(path) === "pyproject.toml",
  extract({ repositoryId, path, text }) {
    const doc = parseTomlDocument(text);
    const root = doc.value;
    const project = isRecord(root.project) ? root.project : undefined;
    const tool = isRecord(root.tool) ? root.tool : {};
    const poetry = isRecord(tool.poetry) ? tool.poetry : undefined;
    const name = (typeof project?.name === "string" && project.name) || (typeof poetry?.name === "string" && poetry.name) || undefined;
    // A pyproject.toml that only configures tools (ruff, black, pytest) declares no package.
    if (!project && !poetry && !isRecord(root["dependency-groups"])) return [];
    const dir = dirName(path);
    const subject = name ? pypiKey(name) : localKey("package", repositoryId, dir || ".");

    const deps: { name: string; version?: string; scope: string; line: number }[] = [];
    const fromList = (list: unknown, scope: string, table: string, key: string) => {
      if (!Array.isArray(list)) return;
      for (const spec of list) {
        const req = typeof spec === "string" ? requirementOf(spec) : undefined;
        if (req) deps.push({ ...req, scope, line: doc.lineOf(table, key) });
      }
    };
    if (project) {
      fromList(project.dependencies, "runtime", "project", "dependencies");
      if (isRecord(project["optional-dependencies"])) {
        for (const [extra, list] of Object.entries(project["optional-dependencies"]))
          fromList(list, `optional:${extra}`, "project.optional-dependencies", extra);
      }
    }
    if (isRecord(root["dependency-groups"])) {
      for (const [group, list] of Object.entries(root["dependency-groups"]))
        fromList(list, group === "dev" ? "dev" : `group:${group}`, "dependency-groups", group);
    }
    if (poetry) {
      const fromTable = (table: unknown, scope: string, tableName: string) => {
        if (!isRecord(table)) return;
        for (const [dep, spec] of Object.entries(table)) {
          if (dep.toLowerCase() === "python") continue;
          const version = typeof spec === "string" ? spec : isRecord(spec) && typeof spec.version === "string" ? spec.version : undefined;
          deps.push({ name: dep, version, scope, line: doc.lineOf(tableName, dep) });
        }
      };
      fromTable(poetry.dependencies, "runtime", "tool.poetry.dependencies");
      fromTable(poetry["dev-dependencies"], "dev", "tool.poetry.dev-dependencies");
      if (isRecord(poetry.group)) {
        for (const [group, body] of Object.entries(poetry.group)) {
          if (isRecord(body)) fromTable(body.dependencies, group === "dev" ? "dev" : `group:${group}`, `tool.poetry.group.${group}.dependencies`);
        }
      }
    }
    const scripts = [project?.scripts, poetry?.scripts].flatMap((s) => (isRecord(s) ? Object.keys(s) : []));
    const kind = packageKindOf("pypi", { executables: scripts, dependencies: deps.filter((d) => d.scope === "runtime").map((d) => d.name.toLowerCase()) });
    const facts: Fact[] = [
      {
        line: name ? (project ? doc.lineOf("project", "name") : doc.lineOf("tool.poetry", "name")) : 1,
        subject,
        predicate: "is",
        object: "package",
        props: {
          name: name ?? (dir || "(root)"),
          ecosystem: "pypi",
          path: dir,
          version: typeof project?.version === "string" ? project.version : typeof poetry?.version === "string" ? poetry.version : undefined,
          kind: kind.kind,
          evidence: kind.evidence,
          description: typeof project?.description === "string" ? project.description.slice(0, 300) : undefined,
        },
      },
    ];
    for (const d of deps.slice(0, 500))
      facts.push({ line: d.line, subject, predicate: "depends_on", object: pypiKey(d.name), props: { scope: d.scope, version: d.version } });
    return facts;
  },
};
