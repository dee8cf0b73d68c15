/**
 * Every URL of the web app (TanStack Router, code-based routes): the pages outside an
 * organisation (sign-in, sign-up, invitations, the OAuth consent and device pages, creating an
 * organisation, GitHub's returns to /github/setup and /github/manifest) and, under /$orgSlug, the organisation's
 * pages. Heavy or rarely used pages (a file, the GitHub connection pages) load on demand.
 * The server answers every one of these paths with index.html (static-web.ts), and the
 * organisation slugs that would shadow a page are reserved (org.service.ts).
 */
import { createRootRoute, createRoute, createRouter, lazyRouteComponent, Outlet, redirect, type RouteComponent } from "@tanstack/react-router";
import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "./api/client";
import { fetchSession, SESSION_KEY } from "./api/session";
import { authConfig } from "./auth-pages/auth-api";
import { AuthLayout } from "./auth-pages/auth-layout";
import { errorMessage, Notice } from "./ui/ui";
import { OrgShell } from "./app-shell/org-shell";
import { ConsentPage } from "./auth-pages/consent-page";
import { DevicePage } from "./auth-pages/device-page";
import { InvitationPage } from "./auth-pages/invitation-page";
import { ForgotPasswordPage, ResetPasswordPage } from "./auth-pages/password-reset-pages";
import { SignInPage } from "./auth-pages/sign-in-page";
import { SignUpPage } from "./auth-pages/sign-up-page";
import { ConnectPage } from "./connect/connect-page";
import { OrgHome } from "./home/org-home";
import { CreateOrgPage } from "./orgs/create-org-page";
import { RepositoriesPage } from "./repositories/repositories-page";
import { SearchPage } from "./search/search-page";
import { validateGraphSearch } from "./graph/graph-search";
import { validateChatSearch } from "./chat/chat-search";
import { ActivityPage } from "./activity/activity-page";
import { ApiKeysPage } from "./settings/api-keys-page";
import { AppsPage } from "./settings/apps-page";
import { AuditPage } from "./settings/audit-page";
import { MembersPage } from "./settings/members-page";
import { OrganisationPage } from "./settings/organisation-page";
import { SettingsLayout } from "./settings/settings-layout";
import { StatusPage } from "./status/status-page";

/** The one query cache: retries once, except for answers that will not change (4xx). */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: (count, err) => count < 1 && !(err instanceof ApiError && err.status >= 400 && err.status < 500) },
  },
});

/** A page for a URL the app does not have. */
function NotFoundPage() {
  return (
    <AuthLayout title="Page not found">
      <p>
        There is no page at this address. <a href="/">Go to your organisations</a>.
      </p>
    </AuthLayout>
  );
}

/** What a page that failed to load shows: the server's message and a way back. */
function ErrorPage({ error }: { error: unknown }) {
  return (
    <AuthLayout title="Something went wrong">
      <Notice kind="error">{errorMessage(error)}</Notice>
      <p className="mt-3">
        <a href={window.location.pathname}>Try again</a> · <a href="/">Go to your organisations</a>
      </p>
    </AuthLayout>
  );
}

const rootRoute = createRootRoute({ component: Outlet, notFoundComponent: NotFoundPage, errorComponent: ErrorPage });

/** "/": the first organisation, or creating one, or signing in. */
const homeRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  beforeLoad: async () => {
    let me: Awaited<ReturnType<typeof fetchSession>>;
    try {
      me = await queryClient.fetchQuery({ queryKey: SESSION_KEY, queryFn: fetchSession });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw redirect({ to: await signedOutLanding() });
      throw err;
    }
    if (!me) throw redirect({ to: await signedOutLanding() });
    const first = me.orgs[0];
    if (first) throw redirect({ to: "/$orgSlug", params: { orgSlug: first.slug } });
    throw redirect({ to: "/new" });
  },
  component: StatusPage,
});

/** Where a signed-out visitor lands: signing up on an instance with no user yet, else signing in. */
async function signedOutLanding(): Promise<"/sign-up" | "/sign-in"> {
  const config = await authConfig().catch(() => undefined);
  return config?.hasUsers === false ? "/sign-up" : "/sign-in";
}

const page = <P extends string>(path: P, component: RouteComponent) => createRoute({ getParentRoute: () => rootRoute, path, component });

const orgRoute = createRoute({ getParentRoute: () => rootRoute, path: "/$orgSlug", component: OrgShell });
const inOrg = <P extends string>(path: P, component: RouteComponent) => createRoute({ getParentRoute: () => orgRoute, path, component });

const settingsRoute = createRoute({ getParentRoute: () => orgRoute, path: "/settings", component: SettingsLayout });
const inSettings = <P extends string>(path: P, component: RouteComponent) => createRoute({ getParentRoute: () => settingsRoute, path, component });

const routeTree = rootRoute.addChildren([
  homeRoute,
  page("/sign-in", SignInPage),
  page("/sign-up", SignUpPage),
  page("/forgot-password", ForgotPasswordPage),
  page("/reset-password", ResetPasswordPage),
  page("/new", CreateOrgPage),
  page("/invitations/accept", InvitationPage),
  page("/status", StatusPage),
  page("/.auth/sign-in", SignInPage),
  page("/.auth/consent", ConsentPage),
  page("/.auth/device", DevicePage),
  page(
    "/github/setup",
    lazyRouteComponent(() => import("./connections/github-setup-page"), "GithubSetupPage"),
  ),
  page(
    "/github/manifest",
    lazyRouteComponent(() => import("./connections/github-manifest-page"), "GithubManifestPage"),
  ),
  orgRoute.addChildren([
    inOrg("/", OrgHome),
    inOrg("/repositories", RepositoriesPage),
    createRoute({
      getParentRoute: () => orgRoute,
      path: "/search",
      validateSearch: (search: Record<string, unknown>): { q?: string } => (typeof search.q === "string" ? { q: search.q } : {}),
      component: SearchPage,
    }),
    inOrg(
      "/files/$repository/$",
      lazyRouteComponent(() => import("./files/file-page")),
    ),
    createRoute({
      getParentRoute: () => orgRoute,
      path: "/graph",
      validateSearch: validateGraphSearch,
      component: lazyRouteComponent(() => import("./graph/graph-page"), "GraphPage"),
    }),
    createRoute({
      getParentRoute: () => orgRoute,
      path: "/chat",
      validateSearch: validateChatSearch,
      component: lazyRouteComponent(() => import("./chat/chat-page"), "ChatPage"),
    }),
    inOrg("/connect", ConnectPage),
    inOrg("/activity", ActivityPage),
    settingsRoute.addChildren([
      inSettings("/", MembersPage),
      inSettings("/api-keys", ApiKeysPage),
      inSettings("/organisation", OrganisationPage),
      inSettings("/audit", AuditPage),
      inSettings("/apps", AppsPage),
      inSettings(
        "/connections",
        lazyRouteComponent(() => import("./connections/connections-page"), "ConnectionsPage"),
      ),
      inSettings(
        "/connections/$connectionId",
        lazyRouteComponent(() => import("./connections/connection-page"), "ConnectionPage"),
      ),
    ]),
  ]),
]);

/** The router. */
export const router = createRouter({ routeTree, defaultPreload: "intent" });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
