/**
 * REST: /api/v1/orgs/{orgSlug}/api-keys: create (signed-in members), list, revoke.
 */
import { z } from "zod";
import type { Database } from "../../platform/db/database.js";
import type { ApiRouter } from "../../platform/http/api-route.js";
import { orgActorOf } from "../actor.js";
import { orgParams } from "../schemas.js";
import { createApiKey, listApiKeys, MAX_ACTIVE_KEYS_PER_USER, MAX_LISTED_KEYS, revokeApiKey } from "./api-key.service.js";

const apiKeySchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  prefix: z.string().describe("The first 12 characters of the key, to recognise it"),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  userId: z.string(),
  user: z.object({ email: z.string(), name: z.string() }).optional().describe("The key's user (admins and owners only)"),
});

const keyParams = orgParams.extend({ keyId: z.string().uuid() });

/** Registers the API key routes. */
export function registerApiKeyRoutes(router: ApiRouter, db: Database): void {
  router
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/api-keys",
      summary: "Create an API key acting for you in this organisation; the key is shown only in this response",
      tags: ["API keys"],
      access: "org",
      sessionOnly: true,
      params: orgParams,
      body: z.object({
        name: z.string().trim().min(1, "must not be empty").max(100, "at most 100 characters"),
        expiresInDays: z.number().int().min(1).max(365).optional().describe("Omit for a key that does not expire"),
      }),
      responses: {
        201: { description: "Created", schema: z.object({ apiKey: apiKeySchema, key: z.string().describe("The full key; store it now") }) },
        409: { description: `You have ${MAX_ACTIVE_KEYS_PER_USER} active keys already (\`api_key_limit\`)` },
      },
      handler: async (c, { body }) => c.json(await createApiKey(db, orgActorOf(c), body), 201),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/api-keys",
      summary: "List API keys: your own, or all of the organisation's for admins and owners",
      description: `Newest first, at most ${MAX_LISTED_KEYS}, revoked and expired keys included.`,
      tags: ["API keys"],
      access: "org",
      params: orgParams,
      responses: { 200: { description: "Keys", schema: z.object({ apiKeys: z.array(apiKeySchema) }) } },
      handler: async (c) => c.json({ apiKeys: await listApiKeys(db, orgActorOf(c)) }),
    })
    .add({
      method: "delete",
      path: "/api/v1/orgs/{orgSlug}/api-keys/{keyId}",
      summary: "Revoke an API key: your own, or any for admins and owners (another member's key answers 404 to a member)",
      tags: ["API keys"],
      access: "org",
      params: keyParams,
      responses: { 204: { description: "Revoked (also when it already was)" }, 404: { description: "No such key, or not yours (`not_found`)" } },
      handler: async (c, { params }) => {
        await revokeApiKey(db, orgActorOf(c), params.keyId);
        return c.body(null, 204);
      },
    });
}
