/**
 * Code search: parses the query, finds matching files in the published index generation of
 * every repository in scope, ranks them, and returns a page of files with their matching
 * lines (and context). Deterministic for a given index state. Bounded: a candidate limit and
 * a time budget; hitting either returns what was found, flagged `partial`. The parts:
 * candidates.ts (what matches), result-page.ts (ranking and the page).
 */
import { closeNames } from "../indexing/index.js";
import type { Database } from "../platform/db/database.js";
import { type Queryable, type TenantScope, withTenant } from "../platform/db/tenant.js";
import { AppError } from "../platform/errors.js";
import { addNamedMatches, candidateTarget, Candidates, collectGroup, collectSymbolMatches } from "./candidates.js";
import type { ContentIndex } from "./group-scan.js";
import { parseQuery, QueryError, type SearchQuery } from "./query-parser.js";
import { decodeCursor, type DocumentSearch, rankAndPresent, responseOf, type SearchInput, type SearchResponse } from "./result-page.js";
import * as sql from "./scan.sql.js";
import { WorkBudget } from "./work-budget.js";
import { recordSearch } from "../platform/telemetry/spans.js";

export type { DocumentResult, DocumentSearch, ResultLine, SearchFacets, SearchInput, SearchResponse, SearchResult } from "./result-page.js";

/**
 * Parses `text`.
 * @throws AppError invalid_query (400) with the offset of the problem in `details`.
 */
export function parseOrThrow(text: string): SearchQuery {
  try {
    return parseQuery(text);
  } catch (err) {
    if (err instanceof QueryError) {
      throw new AppError("invalid_query", 400, `Invalid query at character ${err.offset + 1}: ${err.message}.`, { details: { offset: err.offset } });
    }
    throw err;
  }
}

/**
 * A repo: filter that matches no indexed repository is most likely a typo: say which exist.
 * @throws AppError unknown_repository (400) when the org has indexed repositories.
 */
async function refuseUnknownRepository(tx: Queryable, filters: string[]): Promise<void> {
  const names = (await sql.searchableRepos(tx, { repos: [], excludeRepos: [] })).map((r) => r.name);
  if (names.length === 0) return;
  const close = [...new Set(filters.flatMap((r) => closeNames(r, names)))];
  const hint = close.length ? `did you mean ${close.join(", ")}?` : `the indexed ones are ${names.slice(0, 10).join(", ")}${names.length > 10 ? ", ..." : ""}.`;
  throw new AppError("unknown_repository", 400, `Invalid query: no indexed repository matches repo:${filters.join(" repo:")}; ${hint}`);
}

/** Runs `step`; "timeout" when one of its chunk fetches ran out of budget (what it read is kept). */
async function timedOut(step: () => Promise<void>): Promise<"timeout" | undefined> {
  try {
    await step();
    return undefined;
  } catch (err) {
    if (err instanceof sql.ScanTimeout) return "timeout";
    throw err;
  }
}

/**
 * Runs a search in the caller's organisation.
 * @throws AppError invalid_query / invalid_cursor (400); a Postgres regex the database rejects
 *   is reported as invalid_query too.
 */
export async function searchCode(
  db: Database,
  scope: TenantScope,
  input: SearchInput,
  documents?: DocumentSearch,
  index: ContentIndex = "pg_trgm",
): Promise<SearchResponse> {
  const started = performance.now();
  const query = parseOrThrow(input.query);
  if (query.type === "doc") {
    if (!documents) throw new AppError("invalid_query", 400, "Invalid query: type:doc and space: search documents, which this server does not hold.");
    const found = await documents(scope, query, input.limit);
    recordSearch((performance.now() - started) / 1000, found.partial);
    return {
      results: [],
      documents: found.documents,
      nextCursor: null,
      partial: found.partial,
      ...(found.partial ? { partialReason: "too_many_matches" as const } : {}),
      stats: { matchedFiles: 0, searchedRepositories: 0, durationMs: Math.round(performance.now() - started) },
      mode: "query",
    };
  }
  const offset = decodeCursor(input.cursor);
  // Scanning stops at 70 % of the budget and line matching at 95 %, so a search that ran out
  // still matches and ranks what it read; each chunk fetch may use only what is left of the
  // whole budget (its statement_timeout), and no statement runs past 100 %.
  const scanBudget = new WorkBudget(started + input.budgetMs * 0.7);
  const matchBudget = new WorkBudget(started + input.budgetMs * 0.95);
  const statementMs = () => started + input.budgetMs - performance.now();
  let partialReason: SearchResponse["partialReason"];
  let searchedRepositories = 0;
  let indexing: SearchResponse["indexing"];

  const run = withTenant(
    db,
    scope,
    async (tx) => {
      await tx.query(`set local statement_timeout = ${Math.max(100, Math.min(input.budgetMs, 60_000))}`);
      if (input.withIndexing) indexing = await sql.repositoriesNotReady(tx);
      const repos = await sql.searchableRepos(tx, query);
      searchedRepositories = repos.length;
      if (repos.length === 0 && query.repos.length > 0) await refuseUnknownRepository(tx, query.repos);
      if (repos.length === 0) return;
      const within = query.symbols.length === 0 && query.groups.length > 0 ? await sql.filteredBlobs(tx, repos, query) : undefined;
      const found = new Candidates(new Map(repos.map((r) => [r.id, r])), within);
      const target = candidateTarget(input.limit);

      if (query.symbols.length > 0) {
        const symbols = await timedOut(() => collectSymbolMatches(tx, repos, query, found, index));
        partialReason ??= symbols;
      } else if (query.groups.length > 0) {
        for (const group of query.groups) {
          if (scanBudget.expired()) {
            partialReason ??= "timeout";
            break;
          }
          const outcome = await collectGroup(tx, repos, query, group, found, { target, budget: scanBudget, within, statementMs, index });
          partialReason ??= outcome.partialReason;
          // Always run (`??=` would skip the call once a reason is set).
          const named = await timedOut(() => addNamedMatches(tx, repos, query, group, found));
          partialReason ??= named;
        }
      } else {
        for (const file of await sql.visibleFiles(tx, repos, query, undefined, target)) found.add(file, [], true);
        if (found.byKey.size >= target) partialReason = "too_many_matches";
      }
      const page = await rankAndPresent(tx, scope.orgId, query, found, offset, input, matchBudget);
      if (page.timedOut) partialReason ??= "timeout";
      return page;
      // One snapshot for every statement: a generation published (and old rows collected)
      // while this search runs cannot change what it sees.
    },
    { snapshot: true },
  );

  let page: Awaited<ReturnType<typeof rankAndPresent>> | undefined;
  try {
    page = await run;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "57014" || err instanceof sql.ScanTimeout) {
      partialReason = "timeout";
    } else if (code === "2201B") {
      throw new AppError("invalid_query", 400, `Invalid query: the regex is not supported (${(err as Error).message}).`);
    } else {
      throw err;
    }
  }
  recordSearch((performance.now() - started) / 1000, partialReason !== undefined);
  return responseOf({ page, partialReason, searchedRepositories, indexing, mode: "query", started });
}
