/**
 * /$orgSlug/search?q=…: one box with the query language (help and examples below it), results
 * grouped by file with highlighted matches and line numbers, each line a link to the file view
 * at that line. The query lives in the URL, so results survive a reload and can be shared.
 * Arrow keys move between results (Down from the search box goes to the first); Enter opens
 * one. Partial results say why. "More results" appends the next page (the API's cursor); the
 * count and the repository and language facets cover every matching file, not only those shown.
 * A `type:doc` (or `space:`) query lists documents instead (Confluence pages): title, space,
 * version and the matching lines, the title linking to the page where it lives.
 */
import { Link, useNavigate } from "@tanstack/react-router";
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { Button, Notice, PageHeader, QueryState } from "../ui/ui";
import { type SearchPageData, useSearchResults } from "./search-api";
import { useOrgSlug, useSearchQuery } from "../app-shell/route-params";

const EXAMPLES = ["handleRequest", '"exact phrase"', "/use[A-Z]\\w+/", "sym:Parser lang:go", "timeout -file:test", "repo:api file:\\.ts$ fetch"];

/** Text with its matched ranges marked. */
export function Highlighted({ text, ranges }: { text: string; ranges?: [number, number][] }) {
  if (!ranges?.length) return <>{text}</>;
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start > at) parts.push(text.slice(at, start));
    parts.push(
      <mark key={start} className="rounded-sm bg-mark text-ink">
        {text.slice(start, end)}
      </mark>,
    );
    at = end;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

/** A facet value with the number of matching files that have it (the API's `facets`). */
interface FacetCount {
  value: string | null;
  count: number;
}

/**
 * Repository and language facets of every matching file (the API counts them over all pages,
 * not only the files shown): each narrows the query with repo: or lang:. Files with no detected
 * language are counted but cannot be filtered on.
 */
function Facets({
  orgSlug,
  q,
  total,
  facets,
}: {
  orgSlug: string;
  q: string;
  total: number;
  facets?: { repositories: FacetCount[]; languages: FacetCount[] };
}) {
  if (!facets) return null;
  const groups = [
    { label: "Repository", filter: "repo", counts: facets.repositories },
    { label: "Language", filter: "lang", counts: facets.languages },
  ].filter((g) => g.counts.length > 1);
  if (groups.length === 0) return null;
  return (
    <div className="mb-3 text-sm" data-testid="facets">
      <p className="mb-1 text-xs text-soft">
        Counts of all {total} matching file{total === 1 ? "" : "s"}:
      </p>
      <div className="flex flex-wrap gap-4">
        {groups.map((g) => (
          <div key={g.filter} className="flex flex-wrap items-center gap-1">
            <span className="text-soft">{g.label}:</span>
            {g.counts.map(({ value, count }) =>
              value === null ? (
                <span key="none" className="rounded-full border border-dashed border-line px-2 py-0.5 text-soft">
                  none detected <span>{count}</span>
                </span>
              ) : (
                <Link
                  key={value}
                  to="/$orgSlug/search"
                  params={{ orgSlug }}
                  search={{ q: `${q} ${g.filter}:${/\s/.test(value) ? `"${value}"` : value}` }}
                  className="rounded-full border border-line px-2 py-0.5 text-ink no-underline hover:bg-muted"
                >
                  {value} <span className="text-soft">{count}</span>
                </Link>
              ),
            )}
          </div>
        ))}
      </div>
    </div>
  );
}

/** From the search box, Down moves focus to the first result (from there onResultsKey takes over). */
function onQueryKey(event: KeyboardEvent<HTMLInputElement>) {
  if (event.key !== "ArrowDown") return;
  const first = document.querySelector<HTMLAnchorElement>("a[data-result]");
  if (first) {
    event.preventDefault();
    first.focus();
  }
}

/** Moves focus between result links with the arrow keys. */
function onResultsKey(event: KeyboardEvent<HTMLElement>) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const links = [...event.currentTarget.querySelectorAll<HTMLAnchorElement>("a[data-result]")];
  const index = links.indexOf(document.activeElement as HTMLAnchorElement);
  const next = links[event.key === "ArrowDown" ? Math.min(index + 1, links.length - 1) : Math.max(index - 1, 0)];
  if (next) {
    event.preventDefault();
    next.focus();
  }
}

/** A matching document (Confluence page) as the search answers it (`documents` of a `type:doc` query). */
interface DocumentHit {
  id: string;
  title: string;
  space: { key: string; name: string };
  url: string;
  version: number;
  author: string | null;
  updatedAt: string;
  lines: { line: number; text: string; ranges?: number[][] }[];
}

/** The page's address when it is a web address (anything else is shown, not linked). */
function webUrl(url: string): string | undefined {
  return /^https?:\/\//i.test(url) ? url : undefined;
}

/** The documents a `type:doc` query found: title (a link to the page), space, version and cited lines. */
function DocumentResults({ documents }: { documents: DocumentHit[] }) {
  if (documents.length === 0) return <Notice>No matching documents. Check the spelling, or search without space:.</Notice>;
  return (
    <ol className="flex flex-col gap-3" onKeyDown={onResultsKey}>
      {documents.map((d) => {
        const href = webUrl(d.url);
        return (
          <li key={d.id} className="rounded-lg border border-line bg-surface" data-testid="document-result">
            <div className="border-b border-line px-3 py-2">
              {href ? (
                <a data-result href={href} target="_blank" rel="noopener noreferrer" className="font-semibold">
                  {d.title}
                </a>
              ) : (
                <span className="font-semibold">{d.title}</span>
              )}
              <p className="text-xs text-soft">
                {d.space.name} ({d.space.key}) · version {d.version}
                {d.author ? ` · ${d.author}` : ""} · updated {new Date(d.updatedAt).toLocaleDateString()}
              </p>
            </div>
            {d.lines.length > 0 && (
              <ul className="overflow-x-auto py-1 font-mono text-sm">
                {d.lines.map((l) => (
                  <li key={l.line} className="flex gap-3 px-3">
                    <span className="w-12 shrink-0 text-right text-soft">{l.line}</span>
                    <span className="whitespace-pre">
                      <Highlighted text={l.text} ranges={l.ranges as [number, number][] | undefined} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/**
 * The matching files of every page fetched so far (a file already shown is not repeated), the
 * count of all matches, the facets, and a "More results" button while there is a next page.
 * After more results load, focus moves to the first new file, so keyboard and screen reader
 * users continue where the list grew and the page does not jump.
 */
function CodeResults({
  orgSlug,
  q,
  pages,
  more,
}: {
  orgSlug: string;
  q: string;
  pages: SearchPageData[];
  more?: { loading: boolean; failed: boolean; load: () => void };
}) {
  const latest = pages.at(-1)!;
  const seen = new Set<string>();
  const files = pages
    .flatMap((p) => p.results)
    .filter((r) => {
      const key = `${r.repository.id}:${r.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const list = useRef<HTMLOListElement>(null);
  const focusFrom = useRef<number | undefined>(undefined);
  useEffect(() => {
    const from = focusFrom.current;
    if (from === undefined || files.length <= from) return;
    focusFrom.current = undefined;
    list.current?.querySelectorAll<HTMLAnchorElement>("a[data-file]")[from]?.focus();
  }, [files.length]);
  const total = latest.stats.matchedFiles;
  const repositories = latest.stats.searchedRepositories;
  return (
    <>
      <p className="mb-2 text-sm text-soft" id="search-count" data-testid="search-count">
        {files.length < total ? `${files.length} of ` : ""}
        {total} file{total === 1 ? "" : "s"} in {repositories} repositor{repositories === 1 ? "y" : "ies"}, {Math.round(pages[0]!.stats.durationMs)} ms
      </p>
      {latest.partial && (
        <Notice>
          {latest.partialReason === "timeout" ? "The search ran out of time: these results are partial." : "Very many matches: these results are partial."}{" "}
          Narrow the query with repo:, file: or lang:.
        </Notice>
      )}
      <Facets orgSlug={orgSlug} q={q} total={total} facets={latest.facets} />
      {files.length === 0 && <Notice>No matches. Check the spelling, or search without filters.</Notice>}
      <ol ref={list} className="flex flex-col gap-3" onKeyDown={onResultsKey}>
        {files.map((r) => (
          <li key={`${r.repository.id}:${r.path}`} className="rounded-lg border border-line bg-surface" data-testid="search-result">
            <Link
              data-result
              data-file
              to="/$orgSlug/files/$repository/$"
              params={{ orgSlug, repository: r.repository.name, _splat: r.path }}
              hash={r.lines[0] ? `L${r.lines[0].line}` : undefined}
              className="block border-b border-line px-3 py-2 font-mono text-sm font-semibold"
            >
              {r.repository.name} › {r.path}
            </Link>
            <ul className="overflow-x-auto py-1 font-mono text-sm">
              {r.lines.map((l) => (
                <li key={l.line}>
                  <Link
                    data-result
                    to="/$orgSlug/files/$repository/$"
                    params={{ orgSlug, repository: r.repository.name, _splat: r.path }}
                    hash={`L${l.line}`}
                    className="flex gap-3 px-3 text-ink no-underline hover:bg-muted"
                  >
                    <span className="w-12 shrink-0 text-right text-soft">{l.line}</span>
                    <span className="whitespace-pre">
                      <Highlighted text={l.text} ranges={l.ranges as [number, number][] | undefined} />
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
            {r.moreLines > 0 && <p className="px-3 pb-2 text-xs text-soft">{r.moreLines} more matching lines in this file</p>}
          </li>
        ))}
      </ol>
      {more && (
        <div className="mt-3 flex items-center gap-3">
          <Button
            variant="secondary"
            aria-describedby="search-count"
            disabled={more.loading}
            onClick={() => {
              focusFrom.current = files.length;
              more.load();
            }}
          >
            {more.loading ? "Loading more results…" : "More results"}
          </Button>
          {more.failed && <Notice kind="error">More results could not be loaded; try again.</Notice>}
        </div>
      )}
    </>
  );
}

/** The search page. */
export function SearchPage() {
  const orgSlug = useOrgSlug();
  const q = useSearchQuery();
  const navigate = useNavigate();
  const [draft, setDraft] = useState(q);
  // Pages of files, each fetched with the previous page's cursor and appended.
  const results = useSearchResults(orgSlug, q);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void navigate({ to: "/$orgSlug/search", params: { orgSlug }, search: { q: draft.trim() } });
  };

  return (
    <>
      <PageHeader title="Search" />
      <search>
        <form onSubmit={submit} className="flex gap-2">
          <label htmlFor="q" className="sr-only">
            Search query
          </label>
          <input
            id="q"
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onQueryKey}
            className="flex-1 rounded-md border border-line bg-surface px-3 py-2 font-mono"
            placeholder="Search code: text, /regex/, sym:Name, repo:, file:, lang:; documents: type:doc"
            aria-describedby="search-help"
          />
          <Button type="submit">Search</Button>
        </form>
      </search>
      <p id="search-help" className="mt-1 text-xs text-soft">
        Examples:{" "}
        {EXAMPLES.map((example, i) => (
          <span key={example}>
            {i > 0 && " · "}
            <Link to="/$orgSlug/search" params={{ orgSlug }} search={{ q: example }} onClick={() => setDraft(example)}>
              <code>{example}</code>
            </Link>
          </span>
        ))}
      </p>
      <section className="mt-4" aria-live="polite" aria-busy={results.isFetching}>
        {q && (
          // A failed "More results" keeps the files shown; only a failed first page replaces them.
          <QueryState query={{ isPending: results.isPending, error: results.data ? null : results.error, data: results.data }}>
            {(data) => {
              const first = data.pages[0]!;
              return first.documents ? (
                <>
                  <p className="mb-2 text-sm text-soft">
                    {first.documents.length} document{first.documents.length === 1 ? "" : "s"}, {Math.round(first.stats.durationMs)} ms
                  </p>
                  {first.partial && <Notice>Very many documents matched: these are the most recently updated. Narrow the query with space:.</Notice>}
                  <DocumentResults documents={first.documents} />
                </>
              ) : (
                <CodeResults
                  orgSlug={orgSlug}
                  q={q}
                  pages={data.pages}
                  more={
                    results.hasNextPage
                      ? { loading: results.isFetchingNextPage, failed: results.isFetchNextPageError, load: () => void results.fetchNextPage() }
                      : undefined
                  }
                />
              );
            }}
          </QueryState>
        )}
      </section>
    </>
  );
}
