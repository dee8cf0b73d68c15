/**
 * /$orgSlug/settings/audit: the audit log (admins), newest first, 50 at a time with "Load
 * more", filtered by action as you type; each event says who acted (user, API key) and from where.
 */
import { useState } from "react";
import { Button, Field, QueryState } from "../ui/ui";
import { useAuditEvents } from "./settings-api";
import { useOrgSlug } from "../app-shell/route-params";

/** The audit log page. */
export function AuditPage() {
  const orgSlug = useOrgSlug();
  const [filter, setFilter] = useState("");
  const events = useAuditEvents(orgSlug);
  const all = events.data?.pages.flatMap((p) => p.events) ?? [];
  const shown = all.filter((e) => e.action.includes(filter.trim()));
  return (
    <section aria-labelledby="audit">
      <h2 id="audit" className="mb-2 text-lg font-semibold">
        Audit log
      </h2>
      <Field id="audit-filter" label="Filter by action" placeholder="e.g. api_key or member." value={filter} onChange={(e) => setFilter(e.target.value)} />
      <QueryState query={{ isPending: events.isPending, error: events.error, data: events.data }}>
        {() => (
          <table className="mt-3 w-full text-left text-sm">
            <thead>
              <tr className="border-b border-line">
                <th className="py-1 pr-3">When</th>
                <th className="py-1 pr-3">Who</th>
                <th className="py-1 pr-3">Action</th>
                <th className="py-1 pr-3">Target</th>
                <th className="py-1 pr-3">From</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => (
                <tr key={e.id} className="border-b border-line align-top">
                  <td className="py-1 pr-3 whitespace-nowrap">{new Date(e.createdAt).toLocaleString()}</td>
                  <td className="py-1 pr-3 break-all" data-testid="audit-actor">
                    {actorText(e.actor)}
                  </td>
                  <td className="py-1 pr-3 font-mono">{e.action}</td>
                  <td className="py-1 pr-3">
                    {[e.targetType, (e.details as { name?: string; email?: string }).name ?? (e.details as { email?: string }).email]
                      .filter(Boolean)
                      .join(": ")}
                  </td>
                  <td className="py-1 pr-3">{e.ip ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      {events.hasNextPage && (
        <Button variant="secondary" className="mt-2" onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
          Load more
        </Button>
      )}
    </section>
  );
}

/** Who acted, in words: the user (name and e-mail), the API key used, or ctxpipe itself. */
function actorText(actor: { type: string; email: string | null; name: string | null; apiKeyId: string | null; apiKeyName: string | null }): string {
  if (actor.type === "system") return "ctxpipe (automatic)";
  const who = actor.email ? (actor.name ? `${actor.name} <${actor.email}>` : actor.email) : "a deleted user";
  if (actor.type !== "api_key") return who;
  const key = actor.apiKeyName ? `"${actor.apiKeyName}"` : (actor.apiKeyId ?? "");
  return `${who}, API key ${key}`.trim();
}
