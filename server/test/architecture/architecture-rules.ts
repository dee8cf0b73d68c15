/**
 * The architecture rules of docs/architecture.md, checked on the import graph and on the SQL
 * in the sources. Imports come from the TypeScript compiler's own pre-processor
 * (`ts.preProcessFile`: static imports, re-exports and dynamic `import()`), so comments and
 * strings never count as imports; SQL is read from the string and template literals of each
 * file's syntax tree (a literal that starts with an SQL keyword), so comments never count
 * either. Rules key on folders and on what a file does (defines a job, runs a query, writes a
 * table), not only on its name.
 *
 * Layers under server/src: `roles/`, `cli.ts` and `commands/` wire; `platform/` and `jobs/`
 * are the ground every capability stands on; every other folder is a capability with an
 * `index.ts` as its only door. Tables and their owners: table-owners.ts.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { TABLE_OWNERS, WRITE_EXCEPTIONS, type WriteException } from "./table-owners.js";

/** One broken rule, at a file (relative to the checked root). */
export interface Violation {
  rule:
    | "process-env"
    | "capability-door"
    | "imports-roles"
    | "platform-imports-capability"
    | "sql-in-transport"
    | "missing-door"
    | "domain-imports-http"
    | "sql-in-job"
    | "job-outside-job-file"
    | "table-owner"
    | "capability-cycle"
    | "mcp-imports-db";
  file: string;
  detail: string;
}

/** Folders that are not capabilities. */
const COMPOSITION = new Set(["roles", "commands"]);
const GROUND = new Set(["platform", "jobs"]);
/**
 * The files of mcp/ that may import platform/db/: the wiring (index.ts) and its own SQL (the
 * usage counts). Tools, the server and the route get the capabilities' service objects and the
 * scope, never the database.
 */
const MCP_DB_IMPORTERS = [/^mcp\/index\.ts$/, /^mcp\/[^/]+\.service\.ts$/];
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

/** Where the tables and their owners come from; each defaults to the repository's. */
export interface ArchitectureOptions {
  /** The folder of the SQL migrations (default: `migrations/` beside `root`). */
  migrationsDir?: string;
  /** Table → the folder that owns it (default: TABLE_OWNERS). */
  tableOwners?: Readonly<Record<string, string>>;
  /** Writes across ownership made on purpose (default: WRITE_EXCEPTIONS). */
  writeExceptions?: readonly WriteException[];
}

/** A string or template literal that holds SQL: it starts with a statement and has its shape. */
const SQL_LITERAL =
  /^\s*(select\b[\s\S]*\bfrom\b|insert\s+into\b|update\b[\s\S]*\bset\b|delete\s+from\b|with\b[\s\S]*\bas\s*\(|truncate\b|merge\s+into\b|copy\b[\s\S]*\b(from|to)\b)/i;
/**
 * A write and the table it names. `for update`, `for no key update` and `on conflict … do
 * update` lock or upsert the table already named, so they do not count.
 */
const SQL_WRITE =
  /(?<!\b(?:for|do|key)\s+)\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?|merge\s+into)\s+(?:only\s+)?((?:"?[A-Za-z_][\w$]*"?\s*\.\s*)?"?[A-Za-z_][\w$]*"?)/gi;
/** Calls that open a transaction (platform/db/tenant.ts, database.ts). */
const TRANSACTION_HELPERS = new Set(["withTenant", "withUserScope", "withTransaction", "unsafeAcrossTenants"]);

/** What a file does, read from its syntax tree. */
interface FileFacts {
  /** Its SQL literals (a template's substitutions read as `$0`). */
  sql: string[];
  /** It calls `defineJob(…)`: it defines a job. */
  definesJob: boolean;
  /** It runs a query (`.query(…)`, an `sql` tagged template) or opens a transaction. */
  runsQuery: boolean;
  /** Module specifiers of its imports that are not type-only. */
  valueImports: string[];
  /**
   * It declares a transport: an API route (an object literal with `path` and `handler`, as
   * `ApiRouter.add` takes) or an MCP tool (one with `inputSchema` and `run`).
   */
  declaresTransport: boolean;
}

function factsOf(file: string, text: string): FileFacts {
  const facts: FileFacts = { sql: [], definesJob: false, runsQuery: false, valueImports: [], declaresTransport: false };
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const addLiteral = (literal: string) => {
    if (SQL_LITERAL.test(literal)) facts.sql.push(literal);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) addLiteral(node.text);
    else if (ts.isTemplateExpression(node)) addLiteral(node.head.text + node.templateSpans.map((span) => `$0${span.literal.text}`).join(""));
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee) && callee.text === "defineJob") facts.definesJob = true;
      if (ts.isIdentifier(callee) && TRANSACTION_HELPERS.has(callee.text)) facts.runsQuery = true;
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === "query") facts.runsQuery = true;
    }
    if (ts.isObjectLiteralExpression(node)) {
      const keys = new Set(node.properties.map((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : "")));
      if ((keys.has("path") && keys.has("handler")) || (keys.has("inputSchema") && keys.has("run"))) facts.declaresTransport = true;
    }
    if (ts.isTaggedTemplateExpression(node) && /\bsql$/i.test(node.tag.getText(source))) facts.runsQuery = true;
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly || (!clause.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) facts.valueImports.push(node.moduleSpecifier.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return facts;
}

/** A table name as the map keys it: unquoted, lower case, `public.` dropped. */
function tableName(raw: string): string {
  return raw
    .replace(/"/g, "")
    .replace(/\s+/g, "")
    .toLowerCase()
    .replace(/^public\./, "");
}

/**
 * The tables the migrations leave, each with the migration that created it (creates, renames
 * and drops applied in file order). Comments are ignored.
 */
function tablesFromMigrations(dir: string): Map<string, string> {
  const tables = new Map<string, string>();
  const ident = String.raw`((?:"?[A-Za-z_][\w$]*"?\s*\.\s*)?"?[A-Za-z_][\w$]*"?)`;
  const statement = new RegExp(
    String.raw`\bcreate\s+(?:unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?${ident}|\bdrop\s+table\s+(?:if\s+exists\s+)?${ident}|\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${ident}\s+rename\s+to\s+${ident}`,
    "gi",
  );
  for (const name of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(".sql"))
    .sort()) {
    const sql = fs
      .readFileSync(path.join(dir, name), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, " ")
      .replace(/--[^\n]*/g, " ");
    for (const m of sql.matchAll(statement)) {
      if (m[1]) tables.set(tableName(m[1]), name);
      else if (m[2]) tables.delete(tableName(m[2]));
      else if (m[3] && m[4]) {
        const from = tableName(m[3]);
        const schema = from.includes(".") ? `${from.split(".")[0]}.` : "";
        tables.delete(from);
        tables.set(schema + tableName(m[4]), name);
      }
    }
  }
  return tables;
}

/** The capabilities that import each other in a cycle, each cycle once (strongly connected components). */
function cyclesOf(edges: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) connect(node);
  return components;
}

/** One path from `start` back to itself inside `members` (they form a cycle, so one exists). */
function cyclePath(start: string, members: Set<string>, edges: Map<string, Set<string>>): string[] {
  const seen = new Set<string>();
  const walk = (node: string, trail: string[]): string[] | undefined => {
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      if (next === start) return [...trail, start];
      if (!members.has(next) || seen.has(next)) continue;
      seen.add(next);
      const found = walk(next, [...trail, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start]) ?? [start];
}

/**
 * Every violation of the rules in the tree at `root` (a server/src-like folder).
 * Test files (`*.test.ts`) are not checked.
 */
export function checkArchitecture(root: string, options: ArchitectureOptions = {}): Violation[] {
  const violations: Violation[] = [];
  const owners = options.tableOwners ?? TABLE_OWNERS;
  const exceptions = options.writeExceptions ?? WRITE_EXCEPTIONS;
  const usedExceptions = new Set<WriteException>();
  /** Capability → the capabilities it imports, with the first file that does. */
  const edges = new Map<string, Set<string>>();
  const edgeFiles = new Map<string, string>();
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
    const facts = factsOf(file, text);
    const transport = /\.(route|tool)\.ts$/.test(file) || (facts.declaresTransport && !GROUND.has(area));
    if (transport && SQL_CALLS.test(text)) {
      violations.push({ rule: "sql-in-transport", file, detail: "a route or tool runs SQL itself instead of calling a service" });
    }
    if (facts.definesJob && !file.endsWith(".job.ts")) {
      violations.push({ rule: "job-outside-job-file", file, detail: "defines a job (defineJob) in a file not named *.job.ts" });
    }
    if ((facts.definesJob || file.endsWith(".job.ts")) && !GROUND.has(area)) {
      const db = facts.valueImports.filter((s) => s === "pg" || /(^|\/)platform\/db\//.test(s));
      const what = [
        ...(facts.runsQuery ? ["runs a query or opens a transaction"] : []),
        ...(facts.sql.length > 0 ? [`holds SQL (${facts.sql[0]!.trim().split(/\s+/).slice(0, 3).join(" ")} …)`] : []),
        ...db.map((s) => `imports ${s}`),
      ];
      if (what.length > 0) violations.push({ rule: "sql-in-job", file, detail: `${what.join("; ")}: a job calls its capability's services` });
    }
    for (const sql of facts.sql) {
      for (const m of sql.matchAll(SQL_WRITE)) {
        const table = tableName(m[1]!);
        const owner = owners[table];
        if (owner === undefined || owner === area) continue;
        const allowed = exceptions.find((e) => e.file === file && e.table === table);
        if (allowed) usedExceptions.add(allowed);
        else violations.push({ rule: "table-owner", file, detail: `writes ${table}, which ${owner}/ owns: call its services` });
      }
    }
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      const target = resolveImport(file, imported.fileName);
      if (!target) continue;
      const targetArea = areaOf(target);
      if (/\.(service|sql|job)\.ts$/.test(file) && target.startsWith("platform/http/")) {
        violations.push({ rule: "domain-imports-http", file, detail: `imports ${target}: services, SQL and jobs know nothing of HTTP` });
      }
      if ((area === "mcp" || /\.tool\.ts$/.test(file)) && target.startsWith("platform/db/") && !MCP_DB_IMPORTERS.some((re) => re.test(file))) {
        violations.push({ rule: "mcp-imports-db", file, detail: `imports ${target}: MCP tools get service objects and the scope, never the database` });
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
      if (capabilities.includes(area) && capabilities.includes(targetArea)) {
        if (!edges.has(area)) edges.set(area, new Set());
        edges.get(area)!.add(targetArea);
        if (!edgeFiles.has(`${area}>${targetArea}`)) edgeFiles.set(`${area}>${targetArea}`, file);
      }
    }
  }
  for (const component of cyclesOf(edges)) {
    const cycle = cyclePath(component[0]!, new Set(component), edges);
    const steps = cycle.slice(1).map((to, i) => `${edgeFiles.get(`${cycle[i]}>${to}`)} imports ${to}/`);
    violations.push({ rule: "capability-cycle", file: component.join(", "), detail: `${cycle.join(" → ")} (${steps.join("; ")})` });
  }
  violations.push(...checkTableMap(root, files, options.migrationsDir ?? path.join(root, "..", "migrations"), owners, exceptions, usedExceptions));
  return violations;
}

/**
 * The ownership map against the migrations and the tree: every table has one owner, every
 * owner is a folder, every entry is a table, every exception is still needed.
 */
function checkTableMap(
  root: string,
  files: string[],
  migrationsDir: string,
  owners: Readonly<Record<string, string>>,
  exceptions: readonly WriteException[],
  used: Set<WriteException>,
): Violation[] {
  const violations: Violation[] = [];
  const mapFile = "table-owners.ts";
  if (!fs.existsSync(migrationsDir)) {
    return [{ rule: "table-owner", file: path.relative(root, migrationsDir), detail: "no migrations folder: the tables cannot be checked" }];
  }
  const tables = tablesFromMigrations(migrationsDir);
  const folders = new Set(files.map(areaOf).filter(Boolean));
  for (const [table, migration] of tables) {
    if (!(table in owners)) violations.push({ rule: "table-owner", file: migration, detail: `creates ${table}, which has no owner in ${mapFile}` });
  }
  for (const [table, owner] of Object.entries(owners)) {
    if (!tables.has(table)) violations.push({ rule: "table-owner", file: mapFile, detail: `${table} is not created by any migration` });
    if (!folders.has(owner)) violations.push({ rule: "table-owner", file: mapFile, detail: `${table}'s owner ${owner}/ is not a folder under src` });
  }
  for (const exception of exceptions) {
    if (!used.has(exception)) {
      violations.push({ rule: "table-owner", file: mapFile, detail: `the exception for ${exception.file} writing ${exception.table} is not needed any more` });
    }
  }
  return violations;
}
