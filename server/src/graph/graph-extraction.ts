/**
 * The knowledge graph's step of an index run: the repository.sync job takes it on the staged
 * next generation, in the run's transaction, just before it is published. It re-reads only the
 * files whose (path, blob, extractor version) differ from what it read before (their text from
 * the stored chunks), replaces their facts, and removes the facts of files that left the index
 * or stopped being read, so the graph and the search index always show the same commit.
 */
import { blobsMatching, blobTexts, generationFiles, type StagedRun, type SymbolExtractor } from "../indexing/index.js";
import type { Database } from "../platform/db/database.js";
import { type Queryable, unsafeAcrossTenants } from "../platform/db/tenant.js";
import { EXTRACTOR_VERSION, ExtractionProblem, extractorsFor, type Fact, MAX_FACTS_PER_FILE } from "./extractors/index.js";
import { extractRoutes, ROUTE_HINT, routeLanguageOf } from "./extractors/routes.extractor.js";

/** Facts sent per statement. */
const INSERT_BATCH = 2_000;
/** Texts read from the index per query. */
const READ_BATCH = 200;

/** What one extraction did. */
export interface ExtractionSummary {
  read: number;
  removed: number;
  facts: number;
  problems: number;
  /** Files an extractor failed on unexpectedly (a bug to report; the file gave no facts, the run went on). */
  failures: { path: string; error: unknown }[];
}

interface SourceRow {
  path: string;
  blob_oid: string;
  version: number;
}

/** Runs tree-sitter queries over code (the index run's SymbolExtractor): the route reader's parser. */
export type CodeParser = Pick<SymbolExtractor, "capture">;

/**
 * Brings the repository's graph to the staged generation.
 * @throws whatever the database throws (the run, and so its publication, fails with it).
 */
export async function extractGraph(tx: Queryable, run: StagedRun, parser: CodeParser): Promise<ExtractionSummary> {
  const { rows: state } = await tx.query<{ version: number }>("select version from graph_state where repository_id = $1", [run.repositoryId]);
  const everything = run.kind === "full" || state[0]?.version !== EXTRACTOR_VERSION;

  // The files to look at: every live file on a full run (or new rules), else the changed paths.
  const candidate = (path: string) => extractorsFor(path).length > 0 || routeLanguageOf(path) !== undefined;
  const live = await generationFiles(tx, run.repositoryId, run.generation, everything ? undefined : run.changedPaths.filter(candidate));
  // Code files are read only when a line hints at a route declaration (one indexed pass in SQL).
  const code = live.filter((f) => extractorsFor(f.path).length === 0 && routeLanguageOf(f.path) !== undefined);
  const hinted = await blobsMatching(tx, run.orgId, [...new Set(code.map((f) => f.blobOid))], ROUTE_HINT);
  const wanted = new Map(live.filter((f) => extractorsFor(f.path).length > 0 || hinted.has(f.blobOid)).map((f) => [f.path, f.blobOid]));
  const { rows: sources } = everything
    ? await tx.query<SourceRow>("select path, blob_oid, version from graph_sources where repository_id = $1", [run.repositoryId])
    : await tx.query<SourceRow>("select path, blob_oid, version from graph_sources where repository_id = $1 and path = any($2::text[])", [
        run.repositoryId,
        run.changedPaths,
      ]);
  const known = new Map(sources.map((s) => [s.path, s]));

  const stale = sources.filter((s) => wanted.get(s.path) !== s.blob_oid || s.version !== EXTRACTOR_VERSION).map((s) => s.path);
  const toRead = [...wanted].filter(([path, oid]) => known.get(path)?.blob_oid !== oid || known.get(path)?.version !== EXTRACTOR_VERSION);
  if (stale.length > 0) await tx.query("delete from graph_sources where repository_id = $1 and path = any($2::text[])", [run.repositoryId, stale]);

  const summary: ExtractionSummary = { read: toRead.length, removed: stale.filter((p) => !wanted.has(p)).length, facts: 0, problems: 0, failures: [] };
  const pending: { path: string; fact: Fact }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending.splice(0, pending.length);
    await tx.query(
      `insert into graph_facts (org_id, repository_id, source_path, line, subject, predicate, object, props)
       select $1, $2, * from unnest($3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::jsonb[])`,
      [
        run.orgId,
        run.repositoryId,
        batch.map((b) => b.path),
        batch.map((b) => b.fact.line),
        batch.map((b) => b.fact.subject),
        batch.map((b) => b.fact.predicate),
        batch.map((b) => b.fact.object),
        batch.map((b) => JSON.stringify(b.fact.props ?? {})),
      ],
    );
  };

  for (let i = 0; i < toRead.length; i += READ_BATCH) {
    const slice = toRead.slice(i, i + READ_BATCH);
    const texts = await blobTexts(tx, run.orgId, [...new Set(slice.map(([, oid]) => oid))]);
    const rows: { path: string; oid: string; extractor: string; problem: string | null; facts: Fact[] }[] = [];
    for (const [path, oid] of slice) {
      const read = await readSource(run, parser, path, texts.get(oid) ?? "", summary);
      // A code file without routes is not a source: nothing to retract later.
      if (!read) continue;
      let { facts, problem } = read;
      const { extractor } = read;
      if (problem) summary.problems++;
      if (facts.length > MAX_FACTS_PER_FILE) {
        problem = `only the first ${MAX_FACTS_PER_FILE} of ${facts.length} facts kept`;
        facts = facts.slice(0, MAX_FACTS_PER_FILE);
      }
      rows.push({ path, oid, extractor, problem: problem && cleanText(problem), facts: facts.map(cleanFact).filter(validFact) });
    }
    if (rows.length === 0) continue;
    await tx.query(
      `insert into graph_sources (org_id, repository_id, path, blob_oid, extractor, version, problem)
       select $1, $2, s.path, s.blob_oid, s.extractor, $6, s.problem
       from unnest($3::text[], $4::text[], $5::text[], $7::text[]) as s(path, blob_oid, extractor, problem)`,
      [
        run.orgId,
        run.repositoryId,
        rows.map((r) => r.path),
        rows.map((r) => r.oid),
        rows.map((r) => r.extractor),
        EXTRACTOR_VERSION,
        rows.map((r) => r.problem),
      ],
    );
    for (const row of rows) {
      for (const fact of row.facts) {
        pending.push({ path: row.path, fact });
        summary.facts++;
        if (pending.length >= INSERT_BATCH) await flush();
      }
    }
    await flush();
  }
  await tx.query(
    `insert into graph_state (repository_id, org_id, version) values ($1, $2, $3)
     on conflict (repository_id) do update set version = excluded.version, updated_at = now()`,
    [run.repositoryId, run.orgId, EXTRACTOR_VERSION],
  );
  return summary;
}

/** Indexed repositories (any organisation) whose graph is missing or older than the extractors, oldest index first. */
export async function graphBehind(db: Database, limit: number): Promise<{ orgId: string; repositoryId: string }[]> {
  const { rows } = await unsafeAcrossTenants(db, "graph backfill: indexed repositories of every organisation whose graph predates the extractors", (tx) =>
    tx.query<{ org_id: string; id: string }>(
      `select r.org_id, r.id from repositories r left join graph_state g on g.repository_id = r.id
       where r.status in ('ready', 'complete_with_issues') and r.indexed_commit is not null and (g.version is null or g.version < $1)
       order by r.indexed_at limit $2`,
      [EXTRACTOR_VERSION, limit],
    ),
  );
  return rows.map((r) => ({ orgId: r.org_id, repositoryId: r.id }));
}

/**
 * Reads one file: the first extractor that matches and finds facts gives them (one that finds
 * none lets the next try, e.g. a values.yaml under deploy/); when every one refuses the file,
 * the first refusal is its problem. Code files go to the route reader. An unexpected error in
 * an extractor is a problem of that file, never of the run. Undefined: a code file without
 * routes.
 */
async function readSource(
  run: StagedRun,
  parser: CodeParser,
  path: string,
  text: string,
  summary: ExtractionSummary,
): Promise<{ extractor: string; facts: Fact[]; problem: string | null } | undefined> {
  const input = { repositoryId: run.repositoryId, path, text };
  const candidates = extractorsFor(path);
  if (candidates.length === 0) {
    try {
      const facts = await extractRoutes((language, query, source) => parser.capture(language, query, source), input);
      return facts.length > 0 ? { extractor: "routes", facts, problem: null } : undefined;
    } catch (error) {
      summary.failures.push({ path, error });
      return undefined;
    }
  }
  let found: { extractor: string; facts: Fact[] } | undefined;
  let problem: string | null = null;
  for (const candidate of candidates) {
    try {
      await candidate.load?.();
      const facts = candidate.extract(input);
      found ??= { extractor: candidate.name, facts };
      if (facts.length > 0) {
        found = { extractor: candidate.name, facts };
        break;
      }
    } catch (err) {
      if (err instanceof ExtractionProblem) problem ??= err.message.slice(0, 300);
      else {
        summary.failures.push({ path, error: err });
        problem ??= "could not be read (an internal error, logged)";
      }
    }
  }
  if (found) return { ...found, problem: null };
  return { extractor: candidates[0]!.name, facts: [], problem };
}

/**
 * Text Postgres accepts in `text` and `jsonb`: no NUL character, no unpaired surrogate (a
 * string cut inside an emoji), at most 2,000 characters.
 */
function cleanText(text: string): string {
  return text.replaceAll("\u0000", "").slice(0, 2_000).replace(LONE_SURROGATE, "\uFFFD");
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A fact with every string in it made acceptable to Postgres. */
function cleanFact(fact: Fact): Fact {
  const props =
    fact.props &&
    (JSON.parse(JSON.stringify(fact.props, (_key, value: unknown) => (typeof value === "string" ? cleanText(value) : value))) as Record<string, unknown>);
  return { ...fact, subject: cleanText(fact.subject), object: cleanText(fact.object), props };
}

/** Facts the table's checks accept (keys and predicates of bounded size). */
function validFact(fact: Fact): boolean {
  return (
    fact.subject.length >= 1 &&
    fact.subject.length <= 600 &&
    fact.object.length >= 1 &&
    fact.object.length <= 600 &&
    /^[a-z_]{1,40}$/.test(fact.predicate) &&
    fact.line >= 1
  );
}
