/**
 * /$orgSlug/activity: what agents asked of this organisation over MCP, from the usage records
 * (GET …/mcp-usage, admins): calls, errors and average time per tool, and calls per day as a
 * bar chart drawn with plain elements; and the searches that found nothing (GET
 * …/mcp-usage/unanswered): what agents looked for that the indexed context lacks. Only those
 * queries are kept (30 days); other arguments never are.
 */
import { Link } from "@tanstack/react-router";
import { useIsAdmin } from "../api/session";
import { Notice, PageHeader, QueryState } from "../ui/ui";
import { type UsageRow, useMcpUsage, useUnansweredSearches } from "./activity-api";
import { useOrgSlug } from "../app-shell/route-params";

/** Per-tool totals, busiest first, with a call-weighted average time. */
export function byTool(rows: UsageRow[]): { tool: string; calls: number; errors: number; avgMs: number; maxMs: number }[] {
  const tools = new Map<string, { calls: number; errors: number; ms: number; maxMs: number }>();
  for (const r of rows) {
    const t = tools.get(r.tool) ?? { calls: 0, errors: 0, ms: 0, maxMs: 0 };
    t.calls += r.calls;
    t.errors += r.errors;
    t.ms += r.avgMs * r.calls;
    t.maxMs = Math.max(t.maxMs, r.maxMs);
    tools.set(r.tool, t);
  }
  return [...tools]
    .map(([tool, t]) => ({ tool, calls: t.calls, errors: t.errors, avgMs: t.calls ? t.ms / t.calls : 0, maxMs: t.maxMs }))
    .sort((a, b) => b.calls - a.calls);
}

/** Calls per client (API key or OAuth app), busiest first. */
export function byClient(rows: UsageRow[]): { client: string; calls: number; errors: number; lastDay: string }[] {
  const clients = new Map<string, { calls: number; errors: number; lastDay: string }>();
  for (const r of rows) {
    const c = clients.get(r.client) ?? { calls: 0, errors: 0, lastDay: r.day };
    c.calls += r.calls;
    c.errors += r.errors;
    if (r.day > c.lastDay) c.lastDay = r.day;
    clients.set(r.client, c);
  }
  return [...clients].map(([client, c]) => ({ client: client || "Before clients were recorded", ...c })).sort((a, b) => b.calls - a.calls);
}

/** The agent activity page. */
export function ActivityPage() {
  const orgSlug = useOrgSlug();
  const isAdmin = useIsAdmin(orgSlug);
  const usage = useMcpUsage(orgSlug, { days: 30, enabled: isAdmin });
  const unanswered = useUnansweredSearches(orgSlug, isAdmin);
  if (!isAdmin) return <Notice>Agent activity is shown to the organisation's admins.</Notice>;
  return (
    <>
      <PageHeader title="Agent activity">MCP tool calls in this organisation, last 30 days.</PageHeader>
      <QueryState query={usage}>
        {(data) => {
          const rows: UsageRow[] = data.usage;
          if (rows.length === 0)
            return (
              <Notice>
                No agent has called a tool yet.{" "}
                <Link to="/$orgSlug/connect" params={{ orgSlug }}>
                  Connect an agent
                </Link>
                .
              </Notice>
            );
          const days = [...new Set(rows.map((r) => r.day))].sort();
          const perDay = days.map((day) => ({ day, calls: rows.filter((r) => r.day === day).reduce((n, r) => n + r.calls, 0) }));
          const peak = Math.max(...perDay.map((d) => d.calls));
          return (
            <div className="flex flex-col gap-6">
              <table className="w-full text-left text-sm" data-testid="activity-by-tool">
                <caption className="mb-1 text-left font-semibold">By tool</caption>
                <thead>
                  <tr className="border-b border-line">
                    <th className="py-1 pr-3">Tool</th>
                    <th className="py-1 pr-3 text-right">Calls</th>
                    <th className="py-1 pr-3 text-right">Errors</th>
                    <th className="py-1 pr-3 text-right">Average</th>
                    <th className="py-1 pr-3 text-right">Slowest</th>
                  </tr>
                </thead>
                <tbody>
                  {byTool(rows).map((t) => (
                    <tr key={t.tool} className="border-b border-line">
                      <td className="py-1 pr-3 font-mono">{t.tool}</td>
                      <td className="py-1 pr-3 text-right">{t.calls}</td>
                      <td className="py-1 pr-3 text-right">{t.errors}</td>
                      <td className="py-1 pr-3 text-right">{Math.round(t.avgMs)} ms</td>
                      <td className="py-1 pr-3 text-right">{t.maxMs} ms</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <table className="w-full text-left text-sm" data-testid="activity-by-client">
                <caption className="mb-1 text-left font-semibold">By client</caption>
                <thead>
                  <tr className="border-b border-line">
                    <th className="py-1 pr-3">Client</th>
                    <th className="py-1 pr-3 text-right">Calls</th>
                    <th className="py-1 pr-3 text-right">Errors</th>
                    <th className="py-1 pr-3">Last day</th>
                  </tr>
                </thead>
                <tbody>
                  {byClient(rows).map((c) => (
                    <tr key={c.client} className="border-b border-line">
                      <td className="py-1 pr-3">{c.client}</td>
                      <td className="py-1 pr-3 text-right">{c.calls}</td>
                      <td className="py-1 pr-3 text-right">{c.errors}</td>
                      <td className="py-1 pr-3">{c.lastDay}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <figure>
                <figcaption className="mb-1 font-semibold">Calls per day</figcaption>
                <ul className="flex flex-col gap-1 text-sm">
                  {perDay.map((d) => (
                    <li key={d.day} className="flex items-center gap-2">
                      <span className="w-24 shrink-0 text-soft">{d.day}</span>
                      <span className="h-3 rounded-sm bg-accent" style={{ width: `${Math.max(2, (d.calls / peak) * 100)}%` }} aria-hidden="true" />
                      <span>{d.calls}</span>
                    </li>
                  ))}
                </ul>
              </figure>
              <section aria-labelledby="gaps">
                <h2 id="gaps" className="mb-1 font-semibold">
                  Searches that found nothing
                </h2>
                <p className="mb-2 text-sm text-soft">What agents looked for and this organisation's index does not have: add the repositories that hold it.</p>
                <QueryState query={unanswered}>
                  {(gaps) =>
                    gaps.unanswered.length === 0 ? (
                      <p>Every search found something.</p>
                    ) : (
                      <table className="w-full text-left text-sm" data-testid="unanswered">
                        <thead>
                          <tr className="border-b border-line">
                            <th className="py-1 pr-3">Query</th>
                            <th className="py-1 pr-3">Tool</th>
                            <th className="py-1 pr-3 text-right">Times</th>
                            <th className="py-1 pr-3">Last</th>
                          </tr>
                        </thead>
                        <tbody>
                          {gaps.unanswered.map((g) => (
                            <tr key={`${g.tool}:${g.query}`} className="border-b border-line">
                              <td className="py-1 pr-3 font-mono break-all">{g.query}</td>
                              <td className="py-1 pr-3 font-mono">{g.tool}</td>
                              <td className="py-1 pr-3 text-right">{g.count}</td>
                              <td className="py-1 pr-3 whitespace-nowrap">{new Date(g.lastAt).toLocaleString()}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    )
                  }
                </QueryState>
              </section>
            </div>
          );
        }}
      </QueryState>
    </>
  );
}
