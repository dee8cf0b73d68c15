/**
 * Code navigation over the published index: list a repository's files (glob), read a file or
 * a line range, find symbol definitions, find references. Paths are looked up in the index
 * only, so nothing outside the indexed tree can be read.
 */
import type { Database } from "../platform/db/database.js";
import { withTenant, type Queryable, type TenantScope } from "../platform/db/tenant.js";
import { AppError, invalidInput, notFound } from "../platform/errors.js";
import { closeNames, LANGUAGE_IDS, languageFromName } from "../indexing/index.js";
import { pickRepository } from "../repositories/index.js";
import { globToRegexSource } from "./glob.js";
import { rangesIn } from "./line-matcher.js";
import { scoreReferenceFile } from "./ranking.js";
import { identifierPattern } from "./text-pattern.js";
import { GroupScan } from "./group-scan.js";
import { emptyQuery, type Pattern } from "./query-parser.js";
import * as sql from "./search.sql.js";

/** Most lines one read returns. */
export const MAX_READ_LINES = 2000;
/** Most files one listing returns. */
export const MAX_LIST_FILES = 1000;
/** statement_timeout of navigation reads: each statement is indexed and small, so this only stops a runaway. */
const READ_TIMEOUT = { snapshot: true, statementTimeoutMs: 10_000 } as const;

/**
 * A navigation read in the caller's org, on one snapshot, each statement bounded.
 * @throws AppError timeout (503, retryable) when a statement ran past READ_TIMEOUT.
 */
function readInOrg<T>(db: Database, scope: TenantScope, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return withTenant(db, scope, fn, READ_TIMEOUT).catch((err: unknown) => {
    if ((err as { code?: string }).code !== "57014") throw err;
    throw new AppError("timeout", 503, "The request took too long; narrow it (a longer name, a repository) and try again.", {
      expose: true,
      details: { retryAfterSeconds: 1 },
    });
  });
}

/** Largest line number a read may ask for (kept far from Postgres' int4 limit). */
export const MAX_LINE_NUMBER = 100_000_000;

/** The published state of one repository (404 when missing or not in the org). */
async function publishedRepo(tx: Queryable, ref: string): Promise<sql.SearchableRepo & { status: string }> {
  const { rows } = await tx.query<{ id: string; name: string; generation: number; indexed_commit: string | null; status: string }>(
    "select id, name, generation, indexed_commit, status from repositories where id::text = $1 or lower(name) = lower($1)",
    [ref],
  );
  const row = pickRepository(rows, ref);
  if (!row) throw notFound("repository");
  if (row.generation === 0 || !row.indexed_commit) {
    throw new AppError("not_indexed", 409, `The repository ${row.name} has no index yet (status: ${row.status}); try again when it is ready.`);
  }
  return { id: row.id, name: row.name, generation: row.generation, commit: row.indexed_commit, status: row.status };
}

/** Resolves repositories by id or exact name among the org's indexed ones. */
export async function resolveRepositories(tx: Queryable, ref: string | undefined): Promise<sql.SearchableRepo[]> {
  const repos = await sql.searchableRepos(tx, { repos: [], excludeRepos: [] });
  if (!ref) return repos;
  const found = repos.filter((r) => r.id === ref || r.name.toLowerCase() === ref.toLowerCase());
  if (found.length === 0) throw notFound("repository");
  return found;
}

/**
 * The org's indexed repositories named `ref` (id or exact name), or all without one, in their
 * own read transaction.
 * @throws not_found when `ref` names none.
 */
export function findRepositories(db: Database, scope: TenantScope, ref: string | undefined): Promise<sql.SearchableRepo[]> {
  return readInOrg(db, scope, (tx) => resolveRepositories(tx, ref));
}

/** A page of file paths. */
export interface FileList {
  repository: { id: string; name: string; commit: string };
  files: { path: string; language: string | null; size: number }[];
  nextCursor: string | null;
}

/**
 * Lists indexed files of a repository, optionally filtered by a glob, in path order.
 * @throws not_found, not_indexed (409), invalid_input (bad glob).
 */
export async function listFiles(
  db: Database,
  scope: TenantScope,
  input: { repository: string; glob?: string; limit: number; cursor?: string },
): Promise<FileList> {
  let regex: string | undefined;
  try {
    regex = input.glob ? globToRegexSource(input.glob) : undefined;
  } catch (err) {
    throw invalidInput(`Invalid glob: ${(err as Error).message}`, { fields: [{ path: "glob", message: (err as Error).message }] });
  }
  const after = input.cursor === undefined ? null : decodePathCursor(input.cursor);
  return readInOrg(db, scope, async (tx) => {
    const repo = await publishedRepo(tx, input.repository);
    const { rows } = await tx.query<{ path: string; language: string | null; size: number }>(
      `select path, language, size from index_files
       where repository_id = $1 and valid_from <= $2 and (valid_to is null or valid_to > $2)
         and ($3::text is null or path ~ $3) and ($4::text is null or path > $4)
       order by path limit $5`,
      [repo.id, repo.generation, regex ?? null, after, input.limit + 1],
    );
    const files = rows.slice(0, input.limit);
    const next = rows.length > input.limit ? filesCursorAfter(files.at(-1)!.path) : null;
    return { repository: { id: repo.id, name: repo.name, commit: repo.commit }, files, nextCursor: next };
  });
}

/** The file-list cursor that continues after `path`. */
export function filesCursorAfter(path: string): string {
  return Buffer.from(path).toString("base64url");
}

/**
 * The path a file-list cursor points after.
 * @throws AppError invalid_cursor (400) unless it is a base64url path of valid text.
 */
function decodePathCursor(cursor: string): string {
  const path = Buffer.from(cursor, "base64url").toString();
  if (path.length === 0 || path.includes("\u0000") || path.includes("\uFFFD") || Buffer.from(path).toString("base64url") !== cursor.replace(/=+$/, "")) {
    throw new AppError("invalid_cursor", 400, "The cursor is not valid: pass nextCursor from the previous page.");
  }
  return path;
}

/** A file or a range of its lines. */
export interface FileContent {
  repository: { id: string; name: string; commit: string };
  path: string;
  language: string | null;
  totalLines: number;
  startLine: number;
  endLine: number;
  lines: { line: number; text: string }[];
}

/**
 * Reads lines `startLine`..`endLine` (1-based, inclusive; at most MAX_READ_LINES) of an
 * indexed file.
 * @throws not_found (repository or path), not_indexed (409), invalid_input (bad range).
 */
export async function readFile(
  db: Database,
  scope: TenantScope,
  input: { repository: string; path: string; startLine?: number; endLine?: number },
): Promise<FileContent> {
  const start = input.startLine ?? 1;
  const end = input.endLine ?? start + MAX_READ_LINES - 1;
  if (start > MAX_LINE_NUMBER || end > MAX_LINE_NUMBER + MAX_READ_LINES) {
    throw invalidInput(`Line numbers go up to ${MAX_LINE_NUMBER}.`, {
      fields: [{ path: start > MAX_LINE_NUMBER ? "startLine" : "endLine", message: `at most ${MAX_LINE_NUMBER}` }],
    });
  }
  if (end < start) throw invalidInput("endLine must not be before startLine", { fields: [{ path: "endLine", message: "before startLine" }] });
  const last = Math.min(end, start + MAX_READ_LINES - 1);
  return readInOrg(db, scope, async (tx) => {
    const repo = await publishedRepo(tx, input.repository);
    const file = await publishedFile(tx, repo, input.path);
    const { rows: chunks } = await tx.query<{ start_line: number; line_count: number; content: string }>(
      `select start_line, line_count, content from index_chunks
       where org_id = $1 and blob_oid = $2 and start_line <= $4 and start_line + line_count > $3 order by chunk_no`,
      [scope.orgId, file.blob_oid, start, last],
    );
    const { rows: total } = await tx.query<{ n: number }>(
      "select coalesce(max(start_line + line_count - 1), 0)::int as n from index_chunks where org_id = $1 and blob_oid = $2",
      [scope.orgId, file.blob_oid],
    );
    const lines: { line: number; text: string }[] = [];
    for (const chunk of chunks) {
      chunk.content.split("\n").forEach((text, i) => {
        const n = chunk.start_line + i;
        if (n >= start && n <= last) lines.push({ line: n, text: text.replace(/\r$/, "") });
      });
    }
    const totalLines = total[0]?.n ?? 0;
    return {
      repository: { id: repo.id, name: repo.name, commit: repo.commit },
      path: input.path,
      language: file.language,
      totalLines,
      startLine: lines[0]?.line ?? start,
      endLine: lines.at(-1)?.line ?? Math.min(last, totalLines),
      lines,
    };
  });
}

/** The published file at `path` of `repo`. @throws not_found. */
async function publishedFile(tx: Queryable, repo: sql.SearchableRepo, path: string): Promise<{ blob_oid: string; language: string | null }> {
  const { rows } = await tx.query<{ blob_oid: string; language: string | null }>(
    `select blob_oid, language from index_files
     where repository_id = $1 and path = $2 and valid_from <= $3 and (valid_to is null or valid_to > $3)`,
    [repo.id, path, repo.generation],
  );
  if (!rows[0]) throw notFound("file");
  return rows[0];
}

/** Most symbols an outline lists. */
export const MAX_OUTLINE_SYMBOLS = 2000;

/** One entry of a file's outline. */
export interface OutlineSymbol {
  name: string;
  kind: string;
  container: string | null;
  startLine: number;
  endLine: number;
}

/**
 * The symbols an indexed file defines, in line order (at most MAX_OUTLINE_SYMBOLS; `partial`
 * when there are more).
 * @throws not_found (repository or path), not_indexed (409).
 */
export async function fileOutline(
  db: Database,
  scope: TenantScope,
  input: { repository: string; path: string },
): Promise<{ repository: { id: string; name: string; commit: string }; path: string; symbols: OutlineSymbol[]; partial: boolean }> {
  return readInOrg(db, scope, async (tx) => {
    const repo = await publishedRepo(tx, input.repository);
    const file = await publishedFile(tx, repo, input.path);
    const { rows } = await tx.query<{ name: string; kind: string; container: string | null; start_line: number; end_line: number }>(
      `select name, kind, container, start_line, end_line from index_symbols
       where org_id = $1 and blob_oid = $2 and ($3::text is null or language = $3)
       order by start_line, name limit $4`,
      [scope.orgId, file.blob_oid, file.language, MAX_OUTLINE_SYMBOLS + 1],
    );
    return {
      repository: { id: repo.id, name: repo.name, commit: repo.commit },
      path: input.path,
      symbols: rows
        .slice(0, MAX_OUTLINE_SYMBOLS)
        .map((r) => ({ name: r.name, kind: r.kind, container: r.container, startLine: r.start_line, endLine: r.end_line })),
      partial: rows.length > MAX_OUTLINE_SYMBOLS,
    };
  });
}

/** A symbol definition with its location. */
export interface SymbolLocation {
  name: string;
  kind: string;
  container: string | null;
  language: string;
  repository: { id: string; name: string; commit: string };
  path: string;
  startLine: number;
  endLine: number;
  signature: string;
}

/** Finds definitions by name (exact, prefix, fuzzy), filterable by kind, repository and language. */
export async function findSymbols(
  db: Database,
  scope: TenantScope,
  input: { name: string; match: sql.NameMatch; kinds?: string[]; repository?: string; language?: string; limit: number },
): Promise<SymbolLocation[]> {
  const language = input.language === undefined ? undefined : languageFromName(input.language);
  if (input.language !== undefined && !language) {
    const close = closeNames(input.language, LANGUAGE_IDS);
    throw invalidInput(`Unknown language "${input.language}"${close.length ? `; did you mean ${close.join(", ")}?` : ""}`, {
      fields: [{ path: "lang", message: "unknown language" }],
    });
  }
  return readInOrg(db, scope, async (tx) => {
    const repos = await resolveRepositories(tx, input.repository);
    if (repos.length === 0) return [];
    const query = { ...emptyQuery(), langs: language ? [language] : [] };
    const hits = await sql.withSignatures(
      tx,
      await sql.findSymbols(tx, repos, query, input.name, { match: input.match, kinds: input.kinds, limit: input.limit }),
    );
    const byId = new Map(repos.map((r) => [r.id, r]));
    return hits.map((h) => {
      const repo = byId.get(h.repositoryId)!;
      return {
        name: h.name,
        kind: h.kind,
        container: h.container,
        language: h.language,
        repository: { id: repo.id, name: repo.name, commit: repo.commit },
        path: h.path,
        startLine: h.startLine,
        endLine: h.endLine,
        signature: h.signature,
      };
    });
  });
}

/** A reference: a line using the name as a whole word that is not its definition. */
export interface Reference {
  repository: { id: string; name: string; commit: string };
  path: string;
  line: number;
  text: string;
  ranges: [number, number][];
}

/** Finds whole-word uses of `name`, definitions excluded. */
export async function findReferences(
  db: Database,
  scope: TenantScope,
  input: { name: string; repository?: string; limit: number },
): Promise<{ references: Reference[]; partial: boolean }> {
  if (!/^[\p{L}_$][\p{L}\p{N}_$]{0,199}$/u.test(input.name)) {
    throw invalidInput("name must be an identifier", { fields: [{ path: "name", message: "letters, digits, _ and $ only" }] });
  }
  return readInOrg(db, scope, async (tx) => {
    const repos = await resolveRepositories(tx, input.repository);
    if (repos.length === 0) return { references: [], partial: false };
    const pattern = { kind: "literal" as const, value: input.name, negated: false };
    const query = { ...emptyQuery(), caseSensitive: true };
    const { chunks, capped } = await scanReferences(tx, pattern);
    const blobs = [...new Set(chunks.map((c) => c.blobOid))];
    const files = await sql.visibleFiles(tx, repos, query, blobs, 2000);
    const held = new Set(blobs);
    const defs = (await sql.definitionsNamed(tx, [input.name])).filter((d) => held.has(d.blobOid));
    const defLines = new Set(defs.filter((d) => d.name === input.name).flatMap((d) => [`${d.blobOid}:${d.startLine}`, `${d.blobOid}:${d.nameLine}`]));
    const word = identifierPattern(input.name);
    const linesByBlob = new Map<string, { line: number; text: string; ranges: [number, number][] }[]>();
    for (const chunk of chunks) {
      chunk.content.split("\n").forEach((raw, i) => {
        const text = raw.replace(/\r$/, "").slice(0, 500);
        const line = chunk.startLine + i;
        const ranges = rangesIn(text, [word]);
        if (ranges.length === 0) return;
        // A definition's own line is not a reference (the name may sit on a later line of it).
        if (defLines.has(`${chunk.blobOid}:${line}`)) return;
        (linesByBlob.get(chunk.blobOid) ?? linesByBlob.set(chunk.blobOid, []).get(chunk.blobOid)!).push({ line, text, ranges });
      });
    }
    const byId = new Map(repos.map((r) => [r.id, r]));
    const references: Reference[] = [];
    for (const file of rankReferenceFiles(
      files,
      defs.filter((d) => d.name === input.name),
      linesByBlob,
      byId,
    )) {
      const repo = byId.get(file.repositoryId)!;
      for (const l of linesByBlob.get(file.blobOid) ?? []) {
        references.push({ repository: { id: repo.id, name: repo.name, commit: repo.commit }, path: file.path, ...l });
      }
    }
    return { references: references.slice(0, input.limit), partial: capped || references.length > input.limit };
  });
}

/**
 * The files that use the name, best first (ranking.ts, scoreReferenceFile): the defining
 * files and their directories, code in the definition's language, non-test before test;
 * ties on repository name, then path.
 */
function rankReferenceFiles(
  files: sql.VisibleFile[],
  defs: sql.SymbolHit[],
  linesByBlob: Map<string, unknown[]>,
  repos: Map<string, { name: string }>,
): sql.VisibleFile[] {
  const defBlobs = new Set(defs.map((d) => d.blobOid));
  const defLanguages = new Set(defs.map((d) => d.language));
  const dirOf = (f: sql.VisibleFile) => `${f.repositoryId}:${f.path.slice(0, f.path.lastIndexOf("/") + 1)}`;
  const defDirs = new Set(files.filter((f) => defBlobs.has(f.blobOid)).map(dirOf));
  return files
    .map((file) => ({
      file,
      repoName: repos.get(file.repositoryId)!.name,
      score: scoreReferenceFile({
        path: file.path,
        holdsDefinition: defBlobs.has(file.blobOid),
        besideDefinition: defDirs.has(dirOf(file)),
        definitionLanguage: file.language !== null && defLanguages.has(file.language),
        references: linesByBlob.get(file.blobOid)?.length ?? 0,
      }),
    }))
    .sort((a, b) => b.score - a.score || a.repoName.localeCompare(b.repoName) || a.file.path.localeCompare(b.file.path))
    .map((r) => r.file);
}

/** How long findReferences scans before it answers with what it found (partial). */
const REFERENCE_SCAN_MS = 8_000;

/** Most blobs whose lines findReferences reads. */
const MAX_REFERENCE_BLOBS = 500;

/** The chunks holding `pattern` (case-sensitive), from at most MAX_REFERENCE_BLOBS blobs. */
async function scanReferences(tx: Queryable, pattern: Pattern): Promise<{ chunks: sql.ChunkRow[]; capped: boolean }> {
  // One budget for the whole scan: each fetch gets only what is left of it.
  const deadline = performance.now() + REFERENCE_SCAN_MS;
  const scan = await GroupScan.open(tx, [pattern], true, undefined, () => deadline - performance.now());
  const chunks: sql.ChunkRow[] = [];
  const blobs = new Set<string>();
  const next = () =>
    scan.next().catch((err: unknown) => {
      // Out of time: the references found so far, flagged partial.
      if (err instanceof sql.ScanTimeout) return "timeout" as const;
      throw err;
    });
  try {
    for (let batch = await next(); batch; batch = await next()) {
      if (batch === "timeout") return { chunks, capped: true };
      for (const [blob, rows] of batch) {
        if (!blobs.has(blob) && blobs.size >= MAX_REFERENCE_BLOBS) return { chunks, capped: true };
        blobs.add(blob);
        chunks.push(...rows);
      }
    }
    return { chunks, capped: false };
  } finally {
    await scan.close();
  }
}
