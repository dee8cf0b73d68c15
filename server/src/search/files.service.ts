/**
 * File navigation over the published index: the org's indexed repositories by name, a
 * repository's files (glob), a file or a line range, a file's outline (SQL in files.sql.ts).
 * Paths are looked up in the index only, so nothing outside the indexed tree can be read.
 */
import type { Database } from "../platform/db/database.js";
import { withTenant, type Queryable, type TenantScope } from "../platform/db/tenant.js";
import { AppError, invalidInput, notFound } from "../platform/errors.js";
import { pickRepository } from "../repositories/index.js";
import * as filesSql from "./files.sql.js";
import { globToRegexSource } from "./glob.js";
import * as sql from "./scan.sql.js";

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
export function readInOrg<T>(db: Database, scope: TenantScope, fn: (tx: Queryable) => Promise<T>): Promise<T> {
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
  const row = pickRepository(await filesSql.repositoriesByRef(tx, ref), ref);
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
    const rows = await filesSql.filePage(tx, repo, { regex: regex ?? null, after, limit: input.limit + 1 });
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
    const chunks = await filesSql.chunksOfLines(tx, scope.orgId, file.blob_oid, start, last);
    const totalLines = await filesSql.lineCount(tx, scope.orgId, file.blob_oid);
    const lines: { line: number; text: string }[] = [];
    for (const chunk of chunks) {
      chunk.content.split("\n").forEach((text, i) => {
        const n = chunk.start_line + i;
        if (n >= start && n <= last) lines.push({ line: n, text: text.replace(/\r$/, "") });
      });
    }
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
  const file = await filesSql.fileAt(tx, repo, path);
  if (!file) throw notFound("file");
  return file;
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
    const rows = await filesSql.symbolsOfBlob(tx, scope.orgId, file.blob_oid, file.language, MAX_OUTLINE_SYMBOLS + 1);
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
