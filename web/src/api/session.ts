/**
 * Who is signed in: GET /api/v1/me through TanStack Query, shared by every page and by the
 * router's "/" redirect. A 401 means nobody is; pages that need a user send the browser to
 * /sign-in with `next` set.
 */
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, call } from "./client";

/** The query key of the session, for invalidation after sign-in, sign-out and org changes. */
export const SESSION_KEY = ["session"] as const;

/** Reads the signed-in user and their organisations; null when nobody is signed in. */
export async function fetchSession() {
  try {
    return await call(api.GET("/api/v1/me"));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** The signed-in user and their organisations, or null when nobody is signed in. */
export function useSession() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: fetchSession, staleTime: 30_000 });
}

/** The sign-in URL that comes back to where the browser is now. */
export function signInHref(): string {
  const here = `${window.location.pathname}${window.location.search}${window.location.hash}`;
  return `/sign-in?next=${encodeURIComponent(here)}`;
}

/** Whether the signed-in user is an admin or owner of `orgSlug` (admin-only controls show). */
export function useIsAdmin(orgSlug: string): boolean {
  const role = useSession().data?.orgs.find((o) => o.slug === orgSlug)?.role;
  return role === "admin" || role === "owner";
}
