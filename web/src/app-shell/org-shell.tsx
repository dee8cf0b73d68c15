/**
 * The frame of every organisation page: the org switcher, the navigation, the user menu
 * (sign out), and the page below. A visitor who is not signed in goes to sign-in (and comes
 * back); an organisation the user cannot see gets a plain "not found or not yours" page.
 */
import * as Menu from "@radix-ui/react-dropdown-menu";
import { useQueryClient } from "@tanstack/react-query";
import { Link, Outlet } from "@tanstack/react-router";
import { useEffect } from "react";
import { signInHref, useSession } from "../api/session";
import { signOut as endSession } from "../auth-pages/auth-api";
import { errorMessage, Notice } from "../ui/ui";
import { useOrgSlug } from "./route-params";

const NAV = [
  { to: "/$orgSlug", label: "Home", exact: true },
  { to: "/$orgSlug/repositories", label: "Repositories" },
  { to: "/$orgSlug/search", label: "Search" },
  { to: "/$orgSlug/graph", label: "Graph" },
  { to: "/$orgSlug/chat", label: "Chat" },
  { to: "/$orgSlug/connect", label: "Connect an agent" },
  { to: "/$orgSlug/activity", label: "Agent activity" },
  { to: "/$orgSlug/settings", label: "Settings" },
] as const;

/** The organisation shell. */
export function OrgShell() {
  const orgSlug = useOrgSlug();
  const session = useSession();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (session.data === null) window.location.assign(signInHref());
  }, [session.data]);

  if (session.isPending || session.data === null) return <p aria-busy="true">Loading…</p>;
  if (session.error) return <Notice kind="error">{errorMessage(session.error)}</Notice>;
  const org = session.data.orgs.find((o) => o.slug === orgSlug);
  const signOut = async () => {
    await endSession();
    queryClient.clear();
    window.location.assign("/sign-in");
  };

  return (
    <div className="min-h-screen">
      <header className="border-b border-line bg-surface">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-3 px-4 py-2">
          <a href="/" className="text-xl font-bold text-ink no-underline" aria-label="ctx| home">
            ctx<span className="text-accent">|</span>
          </a>
          <label className="sr-only" htmlFor="org-switcher">
            Organisation
          </label>
          <select
            id="org-switcher"
            className="rounded-md border border-line bg-surface px-2 py-1 text-sm"
            value={org ? orgSlug : ""}
            onChange={(e) => window.location.assign(e.target.value === "__new" ? "/new" : `/${e.target.value}`)}
          >
            {!org && <option value="">Choose an organisation</option>}
            {session.data.orgs.map((o) => (
              <option key={o.slug} value={o.slug}>
                {o.name}
              </option>
            ))}
            <option value="__new">+ New organisation</option>
          </select>
          <nav aria-label="Organisation" className="flex flex-wrap gap-1">
            {org &&
              NAV.map((item) => (
                <Link
                  key={item.to}
                  to={item.to}
                  params={{ orgSlug }}
                  activeOptions={{ exact: "exact" in item }}
                  className="rounded-md px-2 py-1 text-sm text-ink no-underline hover:bg-muted"
                  activeProps={{ className: "bg-muted font-semibold", "aria-current": "page" }}
                >
                  {item.label}
                </Link>
              ))}
          </nav>
          {/* Non-modal: a modal Radix menu injects a scroll-lock <style>, which the CSP refuses. */}
          <Menu.Root modal={false}>
            <Menu.Trigger className="ml-auto rounded-md border border-line px-2 py-1 text-sm" aria-label={`Account: ${session.data.user.email}`}>
              {session.data.user.email}
            </Menu.Trigger>
            <Menu.Content align="end" sideOffset={4} className="z-20 min-w-48 rounded-md border border-line bg-surface p-1 text-sm shadow-md">
              <Menu.Item asChild className="block rounded px-2 py-1 text-ink no-underline outline-none data-[highlighted]:bg-muted">
                <Link to="/$orgSlug/settings/apps" params={{ orgSlug }}>
                  Authorised apps
                </Link>
              </Menu.Item>
              <Menu.Item className="rounded px-2 py-1 outline-none data-[highlighted]:bg-muted" onSelect={() => void signOut()}>
                Sign out
              </Menu.Item>
            </Menu.Content>
          </Menu.Root>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-6">
        {org ? (
          <Outlet />
        ) : (
          <Notice kind="error">
            There is no organisation “{orgSlug}”, or you are not a member of it. Choose one of yours above, or ask its admins for an invitation.
          </Notice>
        )}
      </main>
    </div>
  );
}
