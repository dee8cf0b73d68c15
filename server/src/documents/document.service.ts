/**
 * Documents (Confluence pages, docs/confluence.md): stored with their metadata and their text
 * in chunks of 200 lines (line 1 is "# <title>"), searched with the query language
 * (`type:doc`, `space:`) through the same trigram index and line matcher as code, and read by
 * line range. Every call runs in the caller's organisation (row-level security). A result is
 * cited by the page's URL and version.
 */
import { randomBytes } from "node:crypto";
import type { Database } from "../platform/db/database.js";
import { type Queryable, type TenantScope, withTenant } from "../platform/db/tenant.js";
import { AppError, notFound } from "../platform/errors.js";
import { compileTextPattern, type DocumentResult, type LineMatch, matchLines, type Pattern, type SearchQuery, searchMode } from "../search/index.js";

/** Lines per stored chunk. */
const CHUNK_LINES = 200;
/** Most lines kept of one document (the rest is not indexed). */
export const MAX_DOCUMENT_LINES = 50_000;
/** Most documents a search ranks (the most recently updated matches). */
const MAX_CANDIDATES = 100;
/** Matching lines shown per document. */
const LINES_PER_HIT = 5;

/** A page to store. */
export interface DocumentInput {
  sourceId: string;
  parentSourceId: string | null;
  spaceKey: string;
  spaceName: string;
  title: string;
  url: string;
  author: string | null;
  version: number;
  updatedAt: Date;
  restricted: boolean;
  /** The page's own view restriction (`restricted` also counts its ancestors'). */
  ownRestricted: boolean;
  /** Restricted and not included: metadata only, no text. */
  withheld: boolean;
  attachments: number;
  /** The page's text, without the title line (added here). */
  text: string;
}

/** What is stored of a connection's page, to decide what a sync must fetch. */
export interface StoredPage {
  version: number;
  restricted: boolean;
  ownRestricted: boolean;
  withheld: boolean;
  spaceKey: string;
  parentSourceId: string | null;
}

/** One document found by a search: the search capability's shape, which REST answers. */
export type DocumentHit = DocumentResult;

/** A document search's page of results. */
export interface DocumentSearchResponse {
  documents: DocumentHit[];
  /** More documents matched than were ranked (the most recently updated were). */
  partial: boolean;
}

/** A range of a document's lines, with the metadata a search hit carries. */
export interface DocumentRead extends Omit<DocumentResult, "lines"> {
  totalLines: number;
  startLine: number;
  endLine: number;
  lines: { line: number; text: string }[];
}

interface DocumentRow {
  id: string;
  title: string;
  space_key: string;
  space_name: string;
  url: string;
  version: number;
  author: string | null;
  updated_at: Date;
  line_count: number;
}

const newDocumentId = () => `doc_${[...randomBytes(20)].map((b) => "0123456789abcdefghijklmnopqrstuvwxyz"[b % 36]).join("")}`;
const citationOf = (r: Pick<DocumentRow, "url" | "version">) => `${r.url} (version ${r.version})`;

/** The pages a connection has stored, by Confluence page id. */
export async function storedPages(tx: Queryable, connectionId: string): Promise<Map<string, StoredPage>> {
  const { rows } = await tx.query<{
    source_id: string;
    version: number;
    restricted: boolean;
    own_restricted: boolean;
    withheld: boolean;
    space_key: string;
    parent_source_id: string | null;
  }>("select source_id, version, restricted, own_restricted, withheld, space_key, parent_source_id from documents where connection_id = $1", [connectionId]);
  return new Map(
    rows.map((r) => [
      r.source_id,
      {
        version: r.version,
        restricted: r.restricted,
        ownRestricted: r.own_restricted,
        withheld: r.withheld,
        spaceKey: r.space_key,
        parentSourceId: r.parent_source_id,
      },
    ]),
  );
}

/** Stores a page (new, or a new version of one stored): its row and its text's chunks. */
export async function saveDocument(tx: Queryable, orgId: string, connectionId: string, doc: DocumentInput): Promise<void> {
  const lines = doc.withheld ? [] : `# ${doc.title}\n${doc.text}`.split("\n").slice(0, MAX_DOCUMENT_LINES);
  const { rows } = await tx.query<{ id: string }>(
    `insert into documents (id, org_id, connection_id, source_id, parent_source_id, space_key, space_name, title, url, author, version, updated_at, restricted, withheld, attachments, line_count, own_restricted, synced_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $16, $14, $15, $17, now())
     on conflict (connection_id, source_id) do update set parent_source_id = excluded.parent_source_id, space_key = excluded.space_key,
       space_name = excluded.space_name, title = excluded.title, url = excluded.url, author = excluded.author, version = excluded.version,
       updated_at = excluded.updated_at, restricted = excluded.restricted, own_restricted = excluded.own_restricted, withheld = excluded.withheld, attachments = excluded.attachments, line_count = excluded.line_count, synced_at = now()
     returning id`,
    [
      newDocumentId(),
      orgId,
      connectionId,
      doc.sourceId,
      doc.parentSourceId,
      doc.spaceKey,
      doc.spaceName,
      doc.title,
      doc.url,
      doc.author,
      doc.version,
      doc.updatedAt,
      doc.restricted,
      doc.attachments,
      lines.length,
      doc.withheld,
      doc.ownRestricted,
    ],
  );
  const id = rows[0]!.id;
  await tx.query("delete from document_chunks where document_id = $1", [id]);
  if (lines.length === 0) return;
  const starts: number[] = [];
  const contents: string[] = [];
  for (let i = 0; i < lines.length; i += CHUNK_LINES) {
    starts.push(i + 1);
    contents.push(lines.slice(i, i + CHUNK_LINES).join("\n"));
  }
  await tx.query(
    `insert into document_chunks (document_id, org_id, start_line, content)
     select $1, $2, s, c from unnest($3::int[], $4::text[]) as t(s, c)`,
    [id, orgId, starts, contents],
  );
}

/** Deletes a connection's pages by Confluence page id; resolves to how many were deleted. */
export async function deleteDocuments(tx: Queryable, connectionId: string, sourceIds: string[]): Promise<number> {
  if (sourceIds.length === 0) return 0;
  const { rowCount } = await tx.query("delete from documents where connection_id = $1 and source_id = any($2)", [connectionId, sourceIds]);
  return rowCount ?? 0;
}

/** Most documents one pattern may match before a search is cut (then `partial`). */
const MAX_PATTERN_DOCUMENTS = 20_000;
/** Three letters or digits in a row: what the trigram index needs to narrow a pattern. */
const HAS_TRIGRAM = /[\p{L}\p{N}_]{3}/u;

/**
 * A pattern the trigram index cannot narrow would read every organisation's chunks: refused.
 * @throws invalid_query.
 */
function assertIndexable(pattern: Pattern): void {
  if (pattern.negated || HAS_TRIGRAM.test(pattern.value)) return;
  throw new AppError(
    "invalid_query",
    400,
    `Invalid query: "${pattern.value.slice(0, 50)}" is too short for a document search: each pattern needs three letters or digits in a row.`,
  );
}

/** The SQL condition of one pattern: for a positive one, the documents of its CTE; for a negated one, none of the document's chunks match. */
function condition(pattern: Pattern, caseSensitive: boolean, params: unknown[], ctes: string[]): string {
  const { mode, value } = searchMode(pattern, caseSensitive);
  if (pattern.negated) {
    params.push(value);
    const op = { like: "like", ilike: "ilike", regex: "~", iregex: "~*" }[mode];
    return `not exists (select 1 from document_chunks c where c.document_id = d.id and c.content ${op} $${params.length})`;
  }
  params.push(mode, value);
  const name = `m${ctes.length}`;
  ctes.push(
    `${name} as materialized (select document_id from ctxpipe_match_document_chunks($${params.length - 1}, $${params.length}, ${MAX_PATTERN_DOCUMENTS}))`,
  );
  return `d.id in (select document_id from ${name})`;
}

/**
 * Searches the organisation's documents with a parsed `type:doc` query: a document matches a
 * group when each pattern of it matches somewhere in the document (a negated one nowhere).
 * Ranked by matches in the title, then matching lines, then the most recently updated.
 */
export async function searchDocuments(db: Database, scope: TenantScope, query: SearchQuery, limit: number): Promise<DocumentSearchResponse> {
  return withTenant(db, scope, async (tx) => {
    for (const pattern of query.groups.flat()) assertIndexable(pattern);
    await tx.query("set local statement_timeout = '10s'");
    const params: unknown[] = [];
    const ctes: string[] = [];
    const groups = query.groups.map((group) => `(${group.map((p) => condition(p, query.caseSensitive, params, ctes)).join(" and ")})`);
    const where = ["not d.withheld", `(${groups.join(" or ")})`];
    if (query.spaces.length > 0) {
      params.push(query.spaces);
      where.push(`d.space_key = any($${params.length})`);
    }
    if (query.excludeSpaces.length > 0) {
      params.push(query.excludeSpaces);
      where.push(`d.space_key <> all($${params.length})`);
    }
    params.push(MAX_CANDIDATES + 1);
    // `capped`: a pattern matched more documents than are looked at (then the results are partial).
    const capped = ctes.map((_, i) => `(select count(*) from m${i}) >= ${MAX_PATTERN_DOCUMENTS}`).join(" or ");
    const { rows } = await tx.query<DocumentRow & { capped: boolean }>(
      `with ${ctes.join(", ")}
       select d.id, d.title, d.space_key, d.space_name, d.url, d.version, d.author, d.updated_at, d.line_count, ${capped} as capped
       from documents d where ${where.join(" and ")} order by d.updated_at desc, d.id limit $${params.length}`,
      params,
    );
    const partial = rows.length > MAX_CANDIDATES || rows.some((r) => r.capped);
    const candidates = rows.slice(0, MAX_CANDIDATES);
    if (candidates.length === 0) return { documents: [], partial };
    const positives = query.groups.flat().filter((p) => !p.negated);
    const matchers = positives.map((p) => compileTextPattern(p, query.caseSensitive));
    // The chunks where any positive pattern matches: the lines shown.
    const chunkParams: unknown[] = [candidates.map((c) => c.id)];
    const any = positives.map((p) => {
      const { mode, value } = searchMode(p, query.caseSensitive);
      chunkParams.push(value);
      return `content ${{ like: "like", ilike: "ilike", regex: "~", iregex: "~*" }[mode]} $${chunkParams.length}`;
    });
    const { rows: chunks } = await tx.query<{ document_id: string; start_line: number; content: string }>(
      `select document_id, start_line, content from document_chunks where document_id = any($1) and (${any.join(" or ")}) order by document_id, start_line`,
      chunkParams,
    );
    const linesOf = new Map<string, LineMatch[]>();
    for (const chunk of chunks) {
      const found = linesOf.get(chunk.document_id) ?? [];
      if (found.length < 50) found.push(...matchLines(chunk.content, chunk.start_line, matchers).slice(0, 50 - found.length));
      linesOf.set(chunk.document_id, found);
    }
    const scored = candidates.map((row, order) => {
      const lines = linesOf.get(row.id) ?? [];
      const score = (lines.some((l) => l.line === 1) ? 100 : 0) + Math.min(lines.length, 20);
      return { row, lines, score, order };
    });
    scored.sort((a, b) => b.score - a.score || a.order - b.order);
    return {
      documents: scored.slice(0, limit).map(({ row, lines }) => ({ ...present(row), lines: lines.slice(0, LINES_PER_HIT) })),
      partial,
    };
  });
}

function present(row: DocumentRow) {
  return {
    id: row.id,
    title: row.title,
    space: { key: row.space_key, name: row.space_name },
    url: row.url,
    version: row.version,
    author: row.author,
    updatedAt: row.updated_at.toISOString(),
    citation: citationOf(row),
  };
}

/**
 * Lines `startLine`..`endLine` of a document (clamped to its length).
 * @throws not_found for an unknown document or another organisation's.
 */
export async function readDocument(db: Database, scope: TenantScope, input: { id: string; startLine: number; endLine: number }): Promise<DocumentRead> {
  return withTenant(db, scope, async (tx) => {
    const { rows } = await tx.query<DocumentRow>("select * from documents where id = $1 and not withheld", [input.id]);
    const row = rows[0];
    if (!row) throw notFound("document");
    const start = Math.min(Math.max(1, input.startLine), row.line_count);
    const end = Math.min(Math.max(start, input.endLine), row.line_count);
    const { rows: chunks } = await tx.query<{ start_line: number; content: string }>(
      "select start_line, content from document_chunks where document_id = $1 and start_line <= $2 and start_line > $3 order by start_line",
      [row.id, end, start - CHUNK_LINES],
    );
    const lines: { line: number; text: string }[] = [];
    for (const chunk of chunks) {
      chunk.content.split("\n").forEach((text, i) => {
        const line = chunk.start_line + i;
        if (line >= start && line <= end) lines.push({ line, text });
      });
    }
    return { ...present(row), totalLines: row.line_count, startLine: start, endLine: end, lines };
  });
}

/** Whether a document id is well formed (`doc_` and 20 characters). */
export function isDocumentId(id: string): boolean {
  return /^doc_[a-z0-9]{20}$/.test(id);
}
