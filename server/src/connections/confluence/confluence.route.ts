/**
 * REST for Confluence connections (docs/confluence.md): /api/v1/orgs/{orgSlug}/connections/
 * confluence (admins create, change, connect, pick spaces, sync and delete; members read) and
 * the OAuth callback Atlassian redirects the admin's browser to,
 * GET {AUTH_BASE_URL}/api/v1/integrations/atlassian/callback.
 */
import { z } from "zod";
import { orgActorOf } from "../../accounts/index.js";
import type { ApiRouter } from "../../platform/http/api-route.js";
import { connectionParams, orgParams } from "../connection-ids.js";
import { availableSpaces, completeAuthorization, startAuthorization } from "./confluence-oauth.js";
import {
  ATLASSIAN_CALLBACK_PATH,
  type ConfluenceDependencies,
  createConfluenceConnection,
  deleteConfluenceConnection,
  getConfluenceConnection,
  listConfluenceConnections,
  requestSyncNow,
  selectSpaces,
  updateConfluenceConnection,
} from "./confluence.service.js";

const base = "/api/v1/orgs/{orgSlug}/connections/confluence";
const spaceKey = z.string().regex(/^~?[A-Za-z0-9_]{1,255}$/, "a Confluence space key");

const syncSchema = z.object({
  at: z.string(),
  result: z.enum(["ok", "failed"]),
  spaces: z.number(),
  pages: z.number(),
  added: z.number(),
  updated: z.number(),
  deleted: z.number(),
  unchanged: z.number(),
  restrictedSkipped: z.number().describe("Restricted pages withheld (the connection does not include them)"),
  attachmentsSkipped: z.number().describe("Attachments referenced by synced pages (not indexed)"),
  failedPages: z.number(),
  truncated: z.boolean().describe("A space had more pages than one sync lists (20,000)"),
});

/** A Confluence connection as the API shows it. */
export const confluenceSchema = z.object({
  id: z.string(),
  type: z.literal("confluence"),
  name: z.string(),
  status: z.enum(["pending", "active", "error"]),
  clientId: z.string(),
  site: z.object({ cloudId: z.string(), url: z.string(), name: z.string() }).nullable(),
  spaces: z.union([z.literal("all"), z.array(z.string())]).nullable(),
  includeRestricted: z.boolean(),
  registration: z.object({ callbackUrl: z.string(), scopes: z.array(z.string()) }).describe("What to enter in the Atlassian OAuth app"),
  lastSync: syncSchema.nullable(),
  lastError: z.string().nullable(),
  nextStep: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Registers the Confluence routes (before the GitHub connection routes: "confluence" is not a connection id). */
export function registerConfluenceRoutes(router: ApiRouter, deps: ConfluenceDependencies): void {
  const one = `${base}/{connectionId}`;
  router
    .add({
      method: "post",
      path: base,
      summary: "Add a Confluence connection from the Atlassian OAuth app's client id and secret",
      tags: ["Confluence"],
      access: "org",
      minRole: "admin",
      params: orgParams,
      body: z
        .object({
          name: z.string().trim().min(1).max(100),
          clientId: z.string().trim().min(1).max(200),
          clientSecret: z.string().min(1).max(500).describe("Stored encrypted; never shown again"),
          includeRestricted: z.boolean().optional().describe("Index pages with view restrictions too (every member can then find them)"),
        })
        .strict(),
      responses: { 201: { description: "Created (pending until connected)", schema: confluenceSchema }, 409: { description: "Name taken (`conflict`)" } },
      handler: async (c, { body }) => c.json(await createConfluenceConnection(deps, orgActorOf(c), body), 201),
    })
    .add({
      method: "get",
      path: base,
      summary: "List the Confluence connections",
      tags: ["Confluence"],
      access: "org",
      params: orgParams,
      responses: { 200: { description: "Oldest first", schema: z.object({ connections: z.array(confluenceSchema) }) } },
      handler: async (c) => c.json({ connections: await listConfluenceConnections(deps, orgActorOf(c)) }),
    })
    .add({
      method: "get",
      path: one,
      summary: "Read a Confluence connection",
      tags: ["Confluence"],
      access: "org",
      params: connectionParams,
      responses: { 200: { description: "The connection", schema: confluenceSchema }, 404: { description: "No such connection" } },
      handler: async (c, { params }) => c.json(await getConfluenceConnection(deps, orgActorOf(c), params.connectionId)),
    })
    .add({
      method: "patch",
      path: one,
      summary: "Rename, replace the client secret, or include or withhold restricted pages (a full sync follows)",
      tags: ["Confluence"],
      access: "org",
      minRole: "admin",
      params: connectionParams,
      body: z
        .object({
          name: z.string().trim().min(1).max(100).optional(),
          clientSecret: z.string().min(1).max(500).optional(),
          includeRestricted: z.boolean().optional(),
        })
        .strict(),
      responses: { 200: { description: "Changed", schema: confluenceSchema }, 404: { description: "No such connection" } },
      handler: async (c, { params, body }) => c.json(await updateConfluenceConnection(deps, orgActorOf(c), params.connectionId, body)),
    })
    .add({
      method: "delete",
      path: one,
      summary: "Delete a Confluence connection and every document it synced",
      tags: ["Confluence"],
      access: "org",
      minRole: "admin",
      params: connectionParams,
      responses: { 204: { description: "Deleted" }, 404: { description: "No such connection" } },
      handler: async (c, { params }) => {
        await deleteConfluenceConnection(deps, orgActorOf(c), params.connectionId);
        return c.body(null, 204);
      },
    })
    .add({
      method: "post",
      path: `${one}/authorize`,
      summary: "Start connecting: Atlassian's consent URL for your browser (valid 10 minutes, single use)",
      tags: ["Confluence"],
      access: "org",
      minRole: "admin",
      sessionOnly: true,
      params: connectionParams,
      responses: {
        200: { description: "Open authorizeUrl in the browser", schema: z.object({ authorizeUrl: z.string(), expiresAt: z.string() }) },
        404: { description: "No such connection" },
      },
      handler: async (c, { params }) => c.json(await startAuthorization(deps, orgActorOf(c), params.connectionId)),
    })
    .add({
      method: "get",
      path: `${one}/spaces`,
      summary: "The Confluence site's spaces, and whether each is synced (admins: the list is what the admin's grant can see)",
      tags: ["Confluence"],
      access: "org",
      minRole: "admin",
      params: connectionParams,
      responses: {
        200: {
          description: "At most 1,000, by key",
          schema: z.object({
            spaces: z.array(z.object({ key: z.string(), name: z.string(), type: z.string(), selected: z.boolean() })),
            truncated: z.boolean(),
          }),
        },
        409: { description: "Not connected yet (`confluence_not_connected`) or access revoked (`atlassian_grant_revoked`)" },
      },
      handler: async (c, { params }) => c.json(await availableSpaces(deps, orgActorOf(c), params.connectionId)),
    })
    .add({
      method: "put",
      path: `${one}/spaces`,
      summary: "Pick the spaces to sync (or all); a sync follows, and documents of spaces left out are deleted",
      tags: ["Confluence"],
      access: "org",
      minRole: "admin",
      params: connectionParams,
      body: z.object({ spaces: z.union([z.literal("all"), z.array(spaceKey).min(1).max(1000)]) }).strict(),
      responses: { 200: { description: "Picked; a sync is queued", schema: confluenceSchema }, 409: { description: "Not connected yet" } },
      handler: async (c, { params, body }) => c.json(await selectSpaces(deps, orgActorOf(c), params.connectionId, body.spaces)),
    })
    .add({
      method: "post",
      path: `${one}/sync`,
      summary: "Sync now: changed pages (or, with full, every page and its restrictions)",
      tags: ["Confluence"],
      access: "org",
      minRole: "admin",
      params: connectionParams,
      body: z.object({ full: z.boolean().optional() }).strict(),
      responses: { 202: { description: "Queued" }, 404: { description: "No such connection" }, 409: { description: "Not connected yet" } },
      handler: async (c, { params, body }) => {
        await requestSyncNow(deps, orgActorOf(c), params.connectionId, body.full ?? false);
        return c.body(null, 202);
      },
    })
    .add({
      method: "get",
      path: ATLASSIAN_CALLBACK_PATH,
      summary: "Atlassian's OAuth redirect: finishes connecting for the admin who started it, then sends the browser to the connection's settings",
      tags: ["Confluence"],
      access: "user",
      sessionOnly: true,
      query: z.object({
        code: z.string().max(2000).optional(),
        state: z.string().min(1).max(1000),
        error: z.string().max(200).optional(),
      }),
      responses: {
        302: { description: "Connected: on to the web app" },
        400: { description: "State invalid, expired or used (`invalid_oauth_state`), or access denied (`atlassian_denied`)" },
        403: { description: "Started by another user, or no longer an admin" },
      },
      handler: async (c, { query }) => {
        const caller = c.get("caller")!;
        const { redirectTo } = await completeAuthorization(deps, { userId: caller.userId, ip: c.get("clientIp") }, query);
        return c.redirect(redirectTo, 302);
      },
    });
}
