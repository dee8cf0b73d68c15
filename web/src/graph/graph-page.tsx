/**
 * /$orgSlug/graph?q=&kind=&node=: the knowledge-graph explorer. Search nodes by name and kind,
 * each listed with the repository and path that declare it (so equal names differ); picking one
 * shows its neighbourhood drawn (graph-canvas.tsx), and a drawer with its kind, where it is
 * declared and every edge with its evidence, each a link to the file view at the line. The
 * state lives in the URL, so a node can be shared.
 */
import { Link, useNavigate } from "@tanstack/react-router";
import { type FormEvent, useMemo, useState } from "react";
import { Button, Notice, PageHeader, QueryState } from "../ui/ui";
import { useGraphNode, useGraphNodes } from "./graph-api";
import { type CanvasEdge, type CanvasNode, GraphCanvas, kindColour } from "./graph-canvas";
import type { GraphSearch } from "./graph-search";
import { useGraphSearch, useOrgSlug } from "../app-shell/route-params";

const KINDS = ["service", "app", "library", "container", "image", "datastore", "queue", "api", "event", "owner", "decision", "workspace"] as const;

interface Evidence {
  repository: { id: string; name: string };
  path: string;
  line: number;
  citation: string;
}

/** A link to the file view at the fact's line, showing its citation. */
function EvidenceLink({ orgSlug, evidence }: { orgSlug: string; evidence: Evidence }) {
  return (
    <Link
      to="/$orgSlug/files/$repository/$"
      params={{ orgSlug, repository: evidence.repository.name, _splat: evidence.path }}
      hash={`L${evidence.line}`}
      className="font-mono text-xs break-all"
    >
      {evidence.citation}
    </Link>
  );
}

function KindBadge({ kind, external }: { kind: string; external?: boolean }) {
  return (
    <span className="inline-flex items-center gap-1 rounded-full border border-line px-2 text-xs">
      <span aria-hidden="true" className="inline-block h-2 w-2 rounded-full" style={{ backgroundColor: kindColour(kind) }} />
      {kind}
      {external ? ", external" : ""}
    </span>
  );
}

/**
 * Where a listed node is declared (`repository · path`, and how many more places), so that nodes
 * with one name (two `main.go routes`) can be told apart; nothing for an external node.
 */
function NodePlace({ declarations }: { declarations: Evidence[] }) {
  const first = declarations[0];
  if (!first) return null;
  return (
    <span className="w-full font-mono text-xs text-soft break-all" data-testid="graph-node-place">
      {first.repository.name} · {first.path}
      {declarations.length > 1 ? ` (+${declarations.length - 1} more)` : ""}
    </span>
  );
}

/** The graph explorer. */
export function GraphPage() {
  const orgSlug = useOrgSlug();
  const { q = "", kind = "", node } = useGraphSearch();
  const navigate = useNavigate();
  const [draft, setDraft] = useState(q);
  const [draftKind, setDraftKind] = useState(kind);
  const go = (next: GraphSearch) => void navigate({ to: "/$orgSlug/graph", params: { orgSlug }, search: next });

  const nodes = useGraphNodes(orgSlug, q, kind);
  const selected = useGraphNode(orgSlug, node);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    go({ q: draft.trim() || undefined, kind: draftKind || undefined, node });
  };
  const drawing = useMemo(() => {
    const data = selected.data;
    if (!data) return null;
    const drawn = new Map<string, CanvasNode>([[data.key, { key: data.key, name: data.name, kind: data.kind }]]);
    const edges: CanvasEdge[] = [];
    for (const e of data.edges.slice(0, 60)) {
      drawn.set(e.node.key, { key: e.node.key, name: e.node.name, kind: e.node.kind });
      edges.push(e.direction === "out" ? { from: data.key, to: e.node.key, label: e.predicate } : { from: e.node.key, to: data.key, label: e.predicate });
    }
    return { nodes: [...drawn.values()], edges };
  }, [selected.data]);

  return (
    <>
      <PageHeader title="Knowledge graph">
        Packages, services, APIs, images, owners and decisions read from your repositories, each with the file and line it came from.
      </PageHeader>
      <search>
        <form onSubmit={submit} className="mb-4 flex flex-wrap gap-2">
          <label htmlFor="graph-q" className="sr-only">
            Name
          </label>
          <input
            id="graph-q"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="Name, e.g. @acme/ui or postgres"
            maxLength={200}
            className="min-w-0 flex-1 rounded-md border border-line bg-surface px-3 py-2"
          />
          <label htmlFor="graph-kind" className="sr-only">
            Kind
          </label>
          <select
            id="graph-kind"
            value={draftKind}
            onChange={(e) => setDraftKind(e.target.value)}
            className="rounded-md border border-line bg-surface px-2 py-2"
          >
            <option value="">All kinds</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          <Button type="submit">Find</Button>
        </form>
      </search>
      <div className="grid gap-4 md:grid-cols-[minmax(0,18rem)_minmax(0,1fr)]">
        <section aria-labelledby="graph-nodes-heading">
          <h2 id="graph-nodes-heading" className="mb-2 font-semibold">
            Nodes
          </h2>
          <QueryState query={nodes}>
            {(data) =>
              data.nodes.length === 0 ? (
                <Notice>
                  {q || kind
                    ? "Nothing matches. Try another name or all kinds."
                    : "No graph yet: it fills in as repositories are indexed (package manifests, Dockerfiles, compose files, API descriptions, CODEOWNERS, ADRs and agent instructions)."}
                </Notice>
              ) : (
                <ul className="flex flex-col gap-1" data-testid="graph-nodes">
                  {data.nodes.map((n) => (
                    <li key={n.key}>
                      <Link
                        to="/$orgSlug/graph"
                        params={{ orgSlug }}
                        search={{ q: q || undefined, kind: kind || undefined, node: n.key }}
                        aria-current={n.key === node ? "true" : undefined}
                        className={`flex flex-wrap items-center gap-2 rounded-md px-2 py-1 text-ink no-underline hover:bg-muted ${n.key === node ? "bg-muted font-semibold" : ""}`}
                      >
                        <span className="break-all">{n.name}</span>
                        <KindBadge kind={n.kind} external={n.external} />
                        <NodePlace declarations={n.declarations} />
                      </Link>
                    </li>
                  ))}
                  {data.more && <li className="text-sm text-soft">More nodes match: narrow the name or pick a kind.</li>}
                </ul>
              )
            }
          </QueryState>
        </section>
        <section aria-labelledby="graph-node-heading">
          {!node && (
            <>
              <h2 id="graph-node-heading" className="sr-only">
                Selected node
              </h2>
              <Notice>Pick a node to see what it depends on, what depends on it, and where each fact comes from.</Notice>
            </>
          )}
          {node && (
            <QueryState query={selected}>
              {(data) => (
                <div className="flex flex-col gap-3" data-testid="graph-drawer">
                  <div className="flex flex-wrap items-center gap-2">
                    <h2 id="graph-node-heading" className="text-xl font-semibold break-all">
                      {data.name}
                    </h2>
                    <KindBadge kind={data.kind} external={data.external} />
                    <code className="text-xs text-soft break-all">{data.key}</code>
                  </div>
                  {drawing && drawing.edges.length > 0 && (
                    <GraphCanvas center={data.key} nodes={drawing.nodes} edges={drawing.edges} onOpen={(key) => go({ q, kind, node: key })} />
                  )}
                  <div>
                    <h3 className="font-semibold">Declared in</h3>
                    {data.declarations.length === 0 ? (
                      <p className="text-sm text-soft">No indexed file declares it: it comes from outside the organisation.</p>
                    ) : (
                      <ul className="text-sm">
                        {data.declarations.map((d) => (
                          <li key={d.citation}>
                            <EvidenceLink orgSlug={orgSlug} evidence={d} />
                          </li>
                        ))}
                      </ul>
                    )}
                  </div>
                  <div>
                    <h3 className="font-semibold">Edges</h3>
                    {data.edges.length === 0 ? (
                      <p className="text-sm text-soft">No edges.</p>
                    ) : (
                      <ul className="flex flex-col gap-1 text-sm" data-testid="graph-edges">
                        {data.edges.map((e) => (
                          <li key={`${e.direction}:${e.predicate}:${e.node.key}:${e.evidence.citation}`} className="flex flex-wrap items-center gap-2">
                            <span className="text-soft">{e.direction === "out" ? e.predicate : `${e.predicate} (from)`}</span>
                            <Link
                              to="/$orgSlug/graph"
                              params={{ orgSlug }}
                              search={{ q: q || undefined, kind: kind || undefined, node: e.node.key }}
                              className="break-all"
                            >
                              {e.node.name}
                            </Link>
                            <KindBadge kind={e.node.kind} external={e.node.external} />
                            {typeof e.props.version === "string" && <span className="font-mono text-xs">{e.props.version}</span>}
                            <EvidenceLink orgSlug={orgSlug} evidence={e.evidence} />
                          </li>
                        ))}
                      </ul>
                    )}
                    {data.moreEdges && <p className="text-sm text-soft">Only the first 100 edges each way are shown.</p>}
                  </div>
                </div>
              )}
            </QueryState>
          )}
        </section>
      </div>
    </>
  );
}
