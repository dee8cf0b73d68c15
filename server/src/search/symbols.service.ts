/**
 * Symbol navigation over the published index: definitions by name (exact, prefix, fuzzy) and
 * whole-word references, definitions excluded, ranked by closeness to the definitions (SQL in
 * symbols.sql.ts and scan.sql.ts). Each runs as one bounded read (files.service.ts `readInOrg`).
 */
import type { Database } from "../platform/db/database.js";
import type { Queryable, TenantScope } from "../platform/db/tenant.js";
import { invalidInput } from "../platform/errors.js";
import { closeNames, LANGUAGE_IDS, languageFromName } from "../indexing/index.js";
import { readInOrg, resolveRepositories } from "./files.service.js";
import { rangesIn } from "./line-matcher.js";
import { scoreReferenceFile } from "./ranking.js";
import { identifierPattern } from "./text-pattern.js";
import { GroupScan } from "./group-scan.js";
import { emptyQuery, type Pattern } from "./query-parser.js";
import * as sql from "./scan.sql.js";
import * as symbolSql from "./symbols.sql.js";

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
  input: { name: string; match: symbolSql.NameMatch; kinds?: string[]; repository?: string; language?: string; limit: number },
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
    const hits = await symbolSql.withSignatures(
      tx,
      await symbolSql.findSymbols(tx, repos, query, input.name, { match: input.match, kinds: input.kinds, limit: input.limit }),
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
    const defs = (await symbolSql.definitionsNamed(tx, [input.name])).filter((d) => held.has(d.blobOid));
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
  defs: symbolSql.SymbolHit[],
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
