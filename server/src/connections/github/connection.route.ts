/**
 * REST: /api/v1/orgs/{orgSlug}/connections: GitHub App connections (admins create and delete,
 * members read). Creating one answers the values to enter on GitHub and the webhook secret,
 * once. And the public POST /api/v1/webhook/github/{connectionId} that GitHub delivers to.
 */
import { z } from "zod";
import { orgActorOf } from "../../accounts/index.js";
import type { ApiRouter } from "../../platform/http/api-route.js";
import { connectionParams, orgParams } from "../connection-ids.js";
import {
  createGithubConnection,
  deleteConnection,
  getConnection,
  listConnections,
  rotateWebhookSecret,
  updateConnection,
  type ConnectionDependencies,
} from "./connection.service.js";
import { acceptGithubDelivery, type WebhookDependencies } from "./github-webhook.service.js";

/** A connection as the API shows it. */
export const connectionSchema = z.object({
  id: z.string(),
  type: z.literal("github"),
  name: z.string(),
  status: z.enum(["pending", "active", "suspended", "error"]),
  config: z.object({ appId: z.number(), appSlug: z.string(), apiUrl: z.string() }),
  registration: z
    .object({
      homepageUrl: z.string(),
      callbackUrl: z.string(),
      setupUrl: z.string(),
      webhookUrl: z.string(),
      permissions: z.record(z.string(), z.literal("read")),
      events: z.array(z.string()).describe("The events to subscribe to (installation events reach every App without subscribing)"),
    })
    .describe("What to enter on GitHub when registering the App"),
  installation: z.object({ id: z.number(), account: z.string(), accountType: z.string() }).nullable(),
  selection: z.object({ repositories: z.enum(["all", "some"]), autoAdd: z.boolean() }).nullable(),
  lastDelivery: z.object({ at: z.string(), event: z.string(), result: z.string() }).nullable(),
  lastReconcile: z.object({ at: z.string(), result: z.string() }).nullable(),
  lastError: z.string().nullable(),
  nextStep: z.string().nullable().describe("What an admin should do next"),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Registers the connection routes. */
export function registerConnectionRoutes(router: ApiRouter, deps: ConnectionDependencies & WebhookDependencies): void {
  router
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/connections",
      summary: "Connect a GitHub App (its id, slug and private key); answers the webhook secret once",
      tags: ["Connections"],
      access: "org",
      minRole: "admin",
      params: orgParams,
      body: z
        .object({
          type: z.literal("github"),
          name: z.string().trim().min(1).max(100),
          appId: z
            .number()
            .int()
            .min(1)
            .max(2 ** 31 - 1),
          appSlug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "the App's slug, as in https://github.com/apps/<slug>"),
          privateKey: z.string().min(1).max(16_384).describe("The App's private key (PEM)"),
          apiUrl: z.string().max(500).optional().describe("GitHub Enterprise Server's API URL, e.g. https://github.example.com/api/v3"),
        })
        .strict(),
      responses: {
        201: { description: "Created (pending until installed)", schema: z.object({ connection: connectionSchema, webhookSecret: z.string() }) },
        409: { description: "Name taken (`conflict`)" },
      },
      handler: async (c, { body }) => c.json(await createGithubConnection(deps, orgActorOf(c), body), 201),
    })
    .add({
      method: "post",
      path: "/api/v1/webhook/github/{connectionId}",
      summary: "GitHub webhook deliveries for a connection, signed with its webhook secret",
      description:
        "X-Hub-Signature-256 (HMAC-SHA256 of the raw body) must match the connection's webhook secret; X-GitHub-Delivery identifies the delivery, and a repeated one is acknowledged but not processed again.",
      tags: ["Webhooks"],
      access: "public",
      params: z.object({ connectionId: z.string().max(100) }),
      responses: {
        202: { description: "Accepted", schema: z.object({ accepted: z.literal(true), duplicate: z.boolean() }) },
        400: { description: "Missing X-GitHub-Event or X-GitHub-Delivery, or a body that is not JSON (`bad_request`)" },
        401: { description: "The signature does not match (`invalid_signature`)" },
        404: { description: "No such connection" },
        413: { description: "The body is over CTXPIPE_HTTP_BODY_LIMIT_BYTES" },
      },
      handler: async (c, { params }) => {
        const accepted = await acceptGithubDelivery(deps, {
          connectionId: params.connectionId,
          event: c.req.header("x-github-event") ?? "",
          deliveryId: c.req.header("x-github-delivery") ?? "",
          signature: c.req.header("x-hub-signature-256") ?? "",
          body: await c.req.text(),
        });
        return c.json({ accepted: true as const, duplicate: accepted.duplicate }, 202);
      },
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/connections",
      summary: "List the organisation's connections",
      tags: ["Connections"],
      access: "org",
      params: orgParams,
      responses: { 200: { description: "Connections", schema: z.object({ connections: z.array(connectionSchema) }) } },
      handler: async (c) => c.json({ connections: await listConnections(deps, orgActorOf(c)) }),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/connections/{connectionId}",
      summary: "One connection with its health",
      tags: ["Connections"],
      access: "org",
      params: connectionParams,
      responses: { 200: { description: "The connection", schema: connectionSchema } },
      handler: async (c, { params }) => c.json(await getConnection(deps, orgActorOf(c), params.connectionId)),
    })
    .add({
      method: "patch",
      path: "/api/v1/orgs/{orgSlug}/connections/{connectionId}",
      summary: "Rename a connection, or give it the App's new slug or private key (its repositories stay)",
      tags: ["Connections"],
      access: "org",
      minRole: "admin",
      params: connectionParams,
      body: z
        .object({
          name: z.string().trim().min(1).max(100).optional(),
          appSlug: z
            .string()
            .regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "the App's slug, as in https://github.com/apps/<slug>")
            .optional(),
          privateKey: z.string().min(1).max(16_384).optional().describe("A new private key (PEM) generated for the same App"),
        })
        .strict(),
      responses: { 200: { description: "Updated", schema: connectionSchema }, 409: { description: "Name taken (`conflict`)" } },
      handler: async (c, { params, body }) => c.json(await updateConnection(deps, orgActorOf(c), params.connectionId, body)),
    })
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/connections/{connectionId}/webhook-secret",
      summary: "Replace the webhook secret; the new one is answered once (enter it on GitHub next)",
      tags: ["Connections"],
      access: "org",
      minRole: "admin",
      params: connectionParams,
      responses: { 200: { description: "The new secret, shown once", schema: z.object({ webhookSecret: z.string() }) } },
      handler: async (c, { params }) => c.json(await rotateWebhookSecret(deps, orgActorOf(c), params.connectionId)),
    })
    .add({
      method: "delete",
      path: "/api/v1/orgs/{orgSlug}/connections/{connectionId}",
      summary: "Delete a connection, the repositories it brought (unindexed) and its stored key and secret",
      tags: ["Connections"],
      access: "org",
      minRole: "admin",
      params: connectionParams,
      responses: { 204: { description: "Deleted" } },
      handler: async (c, { params }) => {
        await deleteConnection(deps, orgActorOf(c), params.connectionId);
        return c.body(null, 204);
      },
    });
}
