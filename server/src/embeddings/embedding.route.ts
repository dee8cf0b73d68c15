/**
 * REST: /api/v1/orgs/{orgSlug}/embeddings (the status: chunks embedded and pending, the cost
 * estimate, the latest run's progress and problem) and /embeddings/backfill (an admin queues
 * the embedding of everything not embedded yet). One service call each.
 */
import { z } from "zod";
import { orgActorOf } from "../accounts/index.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import type { EmbeddingStatus } from "./embedding-status.js";
import type { TenantScope } from "../platform/db/tenant.js";

const orgParams = z.object({ orgSlug: z.string() });

/** The status wire format. */
const statusSchema = z.union([
  z.object({ configured: z.literal(false) }),
  z.object({
    configured: z.literal(true),
    model: z.object({ provider: z.string(), name: z.string(), dimensions: z.number() }),
    chunks: z
      .object({ embedded: z.number(), pending: z.number() })
      .describe("Chunks with a vector, and chunks of the published index without one (the first chunks of each file content)"),
    estimate: z
      .object({ tokens: z.number(), pricePerMillionTokens: z.number().nullable(), costUsd: z.number().nullable() })
      .describe("What embedding the pending chunks would cost: tokens estimated at 3 bytes a token; dollars when a price is configured"),
    budget: z.object({ dailyTokensPerOrg: z.number(), usedToday: z.number() }),
    run: z
      .object({
        status: z.enum(["idle", "queued", "running", "paused", "failed"]),
        kind: z.enum(["incremental", "backfill"]).nullable(),
        done: z.number().describe("Chunks the latest run embedded"),
        total: z.number().describe("Chunks it set out to embed"),
        note: z.string().nullable().describe("The provider's last problem, or why the run paused"),
        tokensTotal: z.number(),
        updatedAt: z.string().nullable(),
      })
      .describe("The latest embedding run: an index run's new blobs (incremental) or a backfill"),
  }),
]);

/** What the routes call. */
export interface EmbeddingRouteServices {
  status(scope: TenantScope): Promise<EmbeddingStatus>;
  requestBackfill(scope: TenantScope): Promise<EmbeddingStatus>;
}

/** Registers the embedding routes. */
export function registerEmbeddingRoutes(router: ApiRouter, services: EmbeddingRouteServices): void {
  router
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/embeddings",
      summary: "The organisation's chunk embeddings: progress, pending chunks and the cost of a backfill",
      tags: ["Embeddings"],
      access: "org",
      params: orgParams,
      responses: { 200: { description: "The status (configured: false without an embedding model)", schema: statusSchema } },
      handler: async (c) => c.json(await services.status(orgActorOf(c))),
    })
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/embeddings/backfill",
      summary: "Queue the embedding of every chunk of the published index not embedded yet",
      description: "Read GET /embeddings first: it estimates the tokens and the cost. A backfill already queued or running is not queued twice.",
      tags: ["Embeddings"],
      access: "org",
      minRole: "admin",
      params: orgParams,
      responses: {
        202: { description: "Queued (or already queued)", schema: statusSchema },
        409: { description: "No embedding model is configured" },
      },
      handler: async (c) => c.json(await services.requestBackfill(orgActorOf(c)), 202),
    });
}
