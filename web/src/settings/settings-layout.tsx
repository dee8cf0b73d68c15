/**
 * /$orgSlug/settings/*: the settings tabs (members and invitations, API keys, the
 * organisation, GitHub connections, the audit log, authorised apps) and the chosen one below.
 */
import { Link, Outlet } from "@tanstack/react-router";
import { PageHeader } from "../ui/ui";
import { useOrgSlug } from "../app-shell/route-params";

const TABS = [
  { to: "/$orgSlug/settings", label: "Members", exact: true },
  { to: "/$orgSlug/settings/api-keys", label: "API keys" },
  { to: "/$orgSlug/settings/organisation", label: "Organisation" },
  { to: "/$orgSlug/settings/connections", label: "Connections" },
  { to: "/$orgSlug/settings/audit", label: "Audit log" },
  { to: "/$orgSlug/settings/apps", label: "Authorised apps" },
] as const;

/** The settings frame. */
export function SettingsLayout() {
  const orgSlug = useOrgSlug();
  return (
    <>
      <PageHeader title="Settings" />
      <nav aria-label="Settings" className="mb-4 flex flex-wrap gap-1 border-b border-line pb-2">
        {TABS.map((tab) => (
          <Link
            key={tab.to}
            to={tab.to}
            params={{ orgSlug }}
            activeOptions={{ exact: "exact" in tab }}
            className="rounded-md px-2 py-1 text-sm text-ink no-underline hover:bg-muted"
            activeProps={{ className: "bg-muted font-semibold", "aria-current": "page" }}
          >
            {tab.label}
          </Link>
        ))}
      </nav>
      <Outlet />
    </>
  );
}
