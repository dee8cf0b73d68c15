/**
 * The architecture rules of docs/architecture.md, checked on the import graph. Imports come
 * from the TypeScript compiler's own pre-processor (`ts.preProcessFile`: static imports,
 * re-exports and dynamic `import()`), so comments and strings never count as imports.
 *
 * Layers under server/src: `roles/`, `cli.ts` and `commands/` wire; `platform/` and `jobs/`
 * are the ground every capability stands on; every other folder is a capability with an
 * `index.ts` as its only door.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

/** One broken rule, at a file (relative to the checked root). */
export interface Violation {
  rule: "process-env" | "capability-door" | "imports-roles" | "platform-imports-capability" | "sql-in-transport" | "missing-door" | "domain-imports-http";
  file: string;
  detail: string;
}

/** Folders that are not capabilities. */
const COMPOSITION = new Set(["roles", "commands"]);
const GROUND = new Set(["platform", "jobs"]);
/** Where process.env may be read. */
const ENV_READERS = [/^cli\.ts$/, /^platform\/config\//];
/** Calls that mean a transport runs its own SQL: a transaction helper, or a query whose text is SQL. */
const SQL_CALLS =
  /\b(withTenant|withUserScope|withTransaction|unsafeAcrossTenants)\s*\(|\.query\s*(<[^>]*>)?\s*\(\s*[`"']\s*(select|insert|update|delete|with|set|begin|lock)\b/i;

function sourceFiles(root: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts")) continue;
    out.push(path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
  }
  return out.sort();
}

/** The folder a file belongs to (its first segment), or "" for a top-level file. */
function areaOf(file: string): string {
  return file.includes("/") ? file.split("/")[0]! : "";
}

function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return joined.replace(/\.js$/, ".ts");
}

/**
 * Every violation of the rules in the tree at `root` (a server/src-like folder).
 * Test files (`*.test.ts`) are not checked.
 */
export function checkArchitecture(root: string): Violation[] {
  const violations: Violation[] = [];
  const files = sourceFiles(root);
  const areas = new Set(files.map(areaOf).filter(Boolean));
  const capabilities = [...areas].filter((a) => !COMPOSITION.has(a) && !GROUND.has(a));
  for (const capability of capabilities) {
    if (!files.includes(`${capability}/index.ts`))
      violations.push({ rule: "missing-door", file: capability, detail: `the capability ${capability}/ has no index.ts` });
  }
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const area = areaOf(file);
    if (/\bprocess\.env\b/.test(text) && !ENV_READERS.some((re) => re.test(file))) {
      violations.push({ rule: "process-env", file, detail: "reads process.env outside platform/config and cli.ts" });
    }
    if (/\.(route|tool)\.ts$/.test(file) && SQL_CALLS.test(text)) {
      violations.push({ rule: "sql-in-transport", file, detail: "a route or tool runs SQL itself instead of calling a service" });
    }
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      const target = resolveImport(file, imported.fileName);
      if (!target) continue;
      const targetArea = areaOf(target);
      if (/\.(service|sql|job)\.ts$/.test(file) && target.startsWith("platform/http/")) {
        violations.push({ rule: "domain-imports-http", file, detail: `imports ${target}: services, SQL and jobs know nothing of HTTP` });
      }
      if (targetArea === area) continue;
      if (targetArea === "roles" && area !== "" && !COMPOSITION.has(area)) {
        violations.push({ rule: "imports-roles", file, detail: `imports ${target}: nothing but the composition root imports roles/` });
      }
      if (GROUND.has(area) && targetArea && !GROUND.has(targetArea)) {
        violations.push({ rule: "platform-imports-capability", file, detail: `imports ${target}: ${area}/ stands below every capability` });
      }
      if (capabilities.includes(targetArea) && target !== `${targetArea}/index.ts`) {
        violations.push({ rule: "capability-door", file, detail: `imports ${target}: use ${targetArea}/index.ts` });
      }
    }
  }
  return violations;
}
