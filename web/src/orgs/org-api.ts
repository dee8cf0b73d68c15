/**
 * The organisations API as the pages use it: create one, rename it, delete it. Each changes the
 * session's list of organisations, so the caller invalidates the session (api/session.ts).
 */
import { api, call } from "../api/client";

/** Creates an organisation with the signed-in user as its owner. */
export function createOrg(name: string, slug: string) {
  return call(api.POST("/api/v1/orgs", { body: { name, slug } }));
}

/** Renames an organisation (admins). */
export function renameOrg(orgSlug: string, name: string) {
  return call(api.PATCH("/api/v1/orgs/{orgSlug}", { params: { path: { orgSlug } }, body: { name } }));
}

/** Deletes an organisation with all its data (owners). */
export function deleteOrg(orgSlug: string) {
  return call(api.DELETE("/api/v1/orgs/{orgSlug}", { params: { path: { orgSlug } } }));
}
