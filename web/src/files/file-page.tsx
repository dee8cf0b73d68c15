/**
 * /$orgSlug/files/$repository/<path>#L10-L20: an indexed file with line numbers, highlighted
 * (highlight.ts). The lines in
 * the hash are highlighted and scrolled into view; clicking a line number links to it
 * (shift-click extends a range). Selecting an identifier (double-click) offers "Go to
 * definition" (find_symbol's exact match; one definition opens directly) and "Find references".
 * Beside it, the file's outline (its symbols in line order), each a link to its line.
 * Loaded on demand: the signed-in shell does not carry this page's code.
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { useFileParams, useOrgSlug } from "../app-shell/route-params";
import { Button, errorMessage, Notice, QueryState } from "../ui/ui";
import { fileKeys, findDefinitions, useFile, useOutline } from "./file-api";
import { highlightLines, type Token } from "./highlight";

/** The line range of a `#L10` or `#L10-L20` hash, if any. */
export function rangeOf(hash: string): [number, number] | undefined {
  const m = /^#?L(\d+)(?:-L(\d+))?$/.exec(hash);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2] ?? m[1]);
  return [Math.min(start, end), Math.max(start, end)];
}

const IDENTIFIER = /^[\p{L}_$][\p{L}\p{N}_$]{0,199}$/u;

/** The file page. */
export default function FilePage() {
  const orgSlug = useOrgSlug();
  const { repository, path } = useFileParams();
  const navigate = useNavigate();
  const [hash, setHash] = useState(window.location.hash);
  const [selected, setSelected] = useState<string | null>(null);
  const [lookupError, setLookupError] = useState<string | null>(null);
  useEffect(() => {
    const onHash = () => setHash(window.location.hash);
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const range = rangeOf(hash);
  const file = useFile(orgSlug, repository, path);
  const highlighted = useQuery({
    queryKey: fileKeys.highlight(orgSlug, repository, path, file.data?.repository.commit),
    queryFn: () =>
      highlightLines(
        file.data!.lines.map((l) => l.text),
        file.data!.language,
      ),
    enabled: Boolean(file.data),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const outline = useOutline(orgSlug, repository, path);
  useEffect(() => {
    if (range && file.data) document.getElementById(`L${range[0]}`)?.scrollIntoView({ block: "center" });
  }, [range?.[0], file.data]);

  const select = () => {
    const text = window.getSelection()?.toString().trim() ?? "";
    setSelected(IDENTIFIER.test(text) ? text : null);
    setLookupError(null);
  };
  const goToDefinition = async (name: string) => {
    try {
      const symbols = await findDefinitions(orgSlug, name);
      const first = symbols[0] as { repository: { name: string }; path: string; startLine: number } | undefined;
      if (!first) return setLookupError(`No definition of ${name} is indexed.`);
      await navigate({
        to: "/$orgSlug/files/$repository/$",
        params: { orgSlug, repository: first.repository.name, _splat: first.path },
        hash: `L${first.startLine}`,
      });
      setHash(`#L${first.startLine}`);
    } catch (err) {
      setLookupError(errorMessage(err));
    }
  };
  const lineHref = (line: number, extend: boolean) => (extend && range ? `#L${Math.min(range[0], line)}-L${Math.max(range[1], line)}` : `#L${line}`);

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 font-mono text-sm">
        <Link to="/$orgSlug/repositories" params={{ orgSlug }}>
          {repository}
        </Link>{" "}
        › {path}
      </nav>
      {selected && (
        <div
          className="sticky top-0 z-10 mb-2 flex flex-wrap items-center gap-2 rounded-md border border-line bg-surface p-2 text-sm"
          role="toolbar"
          aria-label="Symbol"
        >
          <code>{selected}</code>
          <Button onClick={() => void goToDefinition(selected)}>Go to definition</Button>
          <Link to="/$orgSlug/search" params={{ orgSlug }} search={{ q: `case:yes /\\b${selected}\\b/` }} className="text-sm">
            Find references
          </Link>
        </div>
      )}
      {lookupError && <Notice kind="error">{lookupError}</Notice>}
      <div className="grid gap-4 md:grid-cols-[minmax(0,1fr)_16rem]">
        <QueryState query={file}>
          {(data) => (
            <div className="overflow-x-auto rounded-lg border border-line bg-surface">
              <p className="border-b border-line px-3 py-1 text-xs text-soft">
                {data.totalLines} lines · {data.language ?? "text"} · {data.repository.commit.slice(0, 12)}
                {data.endLine < data.totalLines ? ` · showing 1–${data.endLine}` : ""}
              </p>
              <pre className="py-1 text-sm" onMouseUp={select} onKeyUp={select}>
                {data.lines.map((l, i) => {
                  const tokens: Token[] | undefined = highlighted.data?.[i];
                  const on = range && l.line >= range[0] && l.line <= range[1];
                  return (
                    <div key={l.line} id={`L${l.line}`} className={`flex ${on ? "bg-mark" : ""}`} data-selected={on ? "true" : undefined}>
                      <a
                        href={lineHref(l.line, false)}
                        onClick={(e) => {
                          if (e.shiftKey) {
                            e.preventDefault();
                            window.location.hash = lineHref(l.line, true);
                          }
                        }}
                        className="w-14 shrink-0 select-none pr-3 text-right text-soft no-underline"
                        aria-label={`Line ${l.line}`}
                      >
                        {l.line}
                      </a>
                      <code className="whitespace-pre pr-4">
                        {tokens
                          ? tokens.map((t, k) =>
                              t.classes ? (
                                // biome-ignore lint/suspicious/noArrayIndexKey: tokens of one line never reorder
                                <span key={k} className={t.classes}>
                                  {t.text}
                                </span>
                              ) : (
                                t.text
                              ),
                            )
                          : l.text}
                      </code>
                    </div>
                  );
                })}
              </pre>
            </div>
          )}
        </QueryState>
        <aside aria-labelledby="outline" className="text-sm">
          <h2 id="outline" className="mb-1 font-semibold">
            Outline
          </h2>
          {outline.data && outline.data.symbols.length === 0 && <p className="text-soft">No symbols in this file.</p>}
          <ol className="flex max-h-[70vh] flex-col gap-0.5 overflow-y-auto" data-testid="outline">
            {outline.data?.symbols.map((sym) => (
              <li key={`${sym.startLine}:${sym.name}`} className={sym.container ? "pl-3" : ""}>
                <a href={`#L${sym.startLine}-L${sym.endLine}`} className="no-underline">
                  <span className="text-soft">{sym.kind}</span> {sym.name}
                </a>
              </li>
            ))}
          </ol>
        </aside>
      </div>
    </>
  );
}
