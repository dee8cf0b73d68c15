/**
 * /$orgSlug/settings/connections: the organisation's GitHub App connections, each with its
 * status, where it is installed and its next step, linking to its page; below, for admins, the
 * two ways to connect a GitHub App: create it on GitHub from a manifest (recommended), or
 * connect an existing App by hand; then the Confluence connections (confluence-section.tsx).
 * Members see the lists only.
 */
import { Link } from "@tanstack/react-router";
import { useIsAdmin } from "../api/session";
import { Notice, QueryState } from "../ui/ui";
import { useConnections } from "./connection-api";
import { StatusBadge } from "./connection-health";
import { ConfluenceSection } from "./confluence-section";
import { ConnectGithubForm } from "./connect-github-form";
import { CreateAppForm } from "./create-app-form";
import { useOrgSlug } from "../app-shell/route-params";

/** The connections tab. */
export function ConnectionsPage() {
  const orgSlug = useOrgSlug();
  const isAdmin = useIsAdmin(orgSlug);
  const connections = useConnections(orgSlug);
  return (
    <div className="flex flex-col gap-6">
      <section aria-labelledby="connections">
        <h2 id="connections" className="mb-1 text-lg font-semibold">
          Connections
        </h2>
        <p className="mb-2 text-sm text-soft">GitHub Apps that bring repositories into this organisation and keep them fresh by webhook.</p>
        <QueryState query={connections}>
          {(list) =>
            list.length === 0 ? (
              <Notice>No connection yet. {isAdmin ? "Connect a GitHub App below." : "Admins connect GitHub Apps."}</Notice>
            ) : (
              <ul className="flex flex-col gap-2" data-testid="connections">
                {list.map((c) => (
                  <li key={c.id} className="rounded-lg border border-line bg-surface p-3">
                    <div className="flex flex-wrap items-center gap-2">
                      <Link to="/$orgSlug/settings/connections/$connectionId" params={{ orgSlug, connectionId: c.id }} className="font-semibold">
                        {c.name}
                      </Link>
                      <StatusBadge status={c.status} />
                      <span className="text-sm text-soft">{c.installation ? `on ${c.installation.account}` : `App ${c.config.appSlug}`}</span>
                    </div>
                    {c.nextStep && <p className="mt-1 text-sm">Next step: {c.nextStep}</p>}
                  </li>
                ))}
              </ul>
            )
          }
        </QueryState>
      </section>
      {isAdmin && (
        <>
          <CreateAppForm orgSlug={orgSlug} />
          <ConnectGithubForm orgSlug={orgSlug} baseUrl={connections.data?.[0]?.registration.homepageUrl ?? window.location.origin} />
        </>
      )}
      <ConfluenceSection orgSlug={orgSlug} isAdmin={isAdmin} />
    </div>
  );
}
