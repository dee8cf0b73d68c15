/**
 * REST: /api/v1/me/oauth-apps: the OAuth apps (MCP clients such as Cursor, Claude Code or VS
 * Code) you authorised, and revoking one. Signed-in users only: neither API keys nor OAuth
 * tokens can manage grants.
 */
import { z } from "zod";
import type { Database } from "../../platform/db/database.js";
import type { ApiRouter } from "../../platform/http/api-route.js";
import { listOAuthApps, revokeOAuthApp } from "./oauth-app.service.js";

const oauthAppSchema = z.object({
  clientId: z.string(),
  clientName: z.string().nullable().describe("The name the client registered with (self-asserted)"),
  scopes: z.array(z.string()),
  authorizedAt: z.string(),
  lastTokenAt: z.string().describe("When it last obtained a token through a refresh or a renewed consent"),
});

const clientParams = z.object({
  clientId: z.string().regex(/^[A-Za-z0-9._~-]{1,200}$/, "not an OAuth client id"),
});

/** Registers the OAuth app routes. */
export function registerOAuthAppRoutes(router: ApiRouter, db: Database): void {
  router
    .add({
      method: "get",
      path: "/api/v1/me/oauth-apps",
      summary: "List the OAuth apps (MCP clients) you authorised",
      description: "Apps you consented to, or that hold a live refresh token (device flow with offline_access). Newest first, at most 200.",
      tags: ["Me"],
      access: "user",
      sessionOnly: true,
      responses: { 200: { description: "Apps", schema: z.object({ apps: z.array(oauthAppSchema) }) } },
      handler: async (c) => c.json({ apps: await listOAuthApps(db, c.get("caller")!.userId) }),
    })
    .add({
      method: "delete",
      path: "/api/v1/me/oauth-apps/{clientId}",
      summary: "Revoke an OAuth app: its consent and every token it holds for you",
      description: "Access tokens already issued stop working at once; the app must ask for authorisation again.",
      tags: ["Me"],
      access: "user",
      sessionOnly: true,
      params: clientParams,
      responses: { 204: { description: "Revoked" }, 404: { description: "You have not authorised this app (`not_found`)" } },
      handler: async (c, { params }) => {
        await revokeOAuthApp(db, c.get("caller")!.userId, params.clientId);
        return c.body(null, 204);
      },
    });
}
