/**
 * /$orgSlug: the organisation's checklist, from what is really there: repositories indexed,
 * an agent connected (MCP usage), teammates invited; each open item links to where it is done.
 * Admins also see the latest events of the audit log.
 */
import { Link } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { totalCalls, useMcpUsage } from "../activity/activity-api";
import { useIsAdmin } from "../api/session";
import { useRepositories } from "../repositories/repositories-api";
import { useMembers, useRecentAuditEvents } from "../settings/settings-api";
import { PageHeader } from "../ui/ui";
import { useOrgSlug } from "../app-shell/route-params";

function Item({ done, children }: { done: boolean | undefined; children: ReactNode }) {
  return (
    <li className="flex items-start gap-2">
      <span aria-hidden="true" className={done ? "text-ok" : "text-soft"}>
        {done ? "✓" : "○"}
      </span>
      <span>
        <span className="sr-only">{done ? "Done: " : "To do: "}</span>
        {children}
      </span>
    </li>
  );
}

/** The organisation home page. */
export function OrgHome() {
  const orgSlug = useOrgSlug();
  const repos = useRepositories(orgSlug);
  // Agent usage is for admins (GET …/mcp-usage); members see the item without counts.
  const isAdmin = useIsAdmin(orgSlug);
  const usage = useMcpUsage(orgSlug, { enabled: isAdmin });
  const members = useMembers(orgSlug);
  const recent = useRecentAuditEvents(orgSlug, isAdmin);
  const ready = repos.data?.filter((r) => r.indexedCommit).length ?? 0;
  const calls = totalCalls(usage.data?.usage);
  const people = members.data?.members.length ?? 0;
  return (
    <>
      <PageHeader title="Get started" />
      <ul className="flex flex-col gap-2" data-testid="checklist">
        <Item done={ready > 0}>
          <Link to="/$orgSlug/repositories" params={{ orgSlug }}>
            Index a repository
          </Link>{" "}
          <span className="text-soft">
            ({ready} of {repos.data?.length ?? 0} indexed)
          </span>
        </Item>
        <Item done={isAdmin ? calls > 0 : undefined}>
          <Link to="/$orgSlug/connect" params={{ orgSlug }}>
            Connect an agent
          </Link>{" "}
          <span className="text-soft">{isAdmin ? `(${calls} tool calls in 30 days)` : "(admins see agent usage)"}</span>
        </Item>
        <Item done={people > 1}>
          <Link to="/$orgSlug/settings" params={{ orgSlug }}>
            Invite your team
          </Link>{" "}
          <span className="text-soft">
            ({people} member{people === 1 ? "" : "s"})
          </span>
        </Item>
      </ul>
      {isAdmin && (recent.data?.events.length ?? 0) > 0 && (
        <section aria-labelledby="recent" className="mt-6">
          <h2 id="recent" className="mb-1 text-lg font-semibold">
            Latest activity
          </h2>
          <ul className="flex flex-col gap-0.5 text-sm" data-testid="recent-activity">
            {recent.data?.events.map((e) => (
              <li key={e.id}>
                <span className="text-soft">{new Date(e.createdAt).toLocaleString()}</span> <code>{e.action}</code>
              </li>
            ))}
          </ul>
          <Link to="/$orgSlug/settings/audit" params={{ orgSlug }} className="text-sm">
            The whole audit log
          </Link>
        </section>
      )}
    </>
  );
}
