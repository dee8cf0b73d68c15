/**
 * REST: GET /api/v1/orgs/{orgSlug}/audit-events (admins), newest first, with a cursor.
 */
import { z } from "zod";
import type { Database } from "../../platform/db/database.js";
import type { ApiRouter } from "../../platform/http/api-route.js";
import { orgActorOf } from "../actor.js";
import { orgParams } from "../schemas.js";
import { listAuditEvents } from "./audit.service.js";

const auditEventSchema = z.object({
  id: z.string(),
  action: z.string(),
  actorType: z.string(),
  actorUserId: z.string().nullable(),
  actor: z
    .object({
      type: z.string().describe("user, api_key or system"),
      userId: z.string().nullable(),
      email: z.string().nullable().describe("The acting user's e-mail (null once the user is deleted, or for system)"),
      name: z.string().nullable(),
      apiKeyId: z.string().nullable().describe("The API key used, for type api_key"),
      apiKeyName: z.string().nullable(),
    })
    .describe("Who acted"),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  createdAt: z.string(),
});

/** Registers the audit routes. */
export function registerAuditRoutes(router: ApiRouter, db: Database): void {
  router.add({
    method: "get",
    path: "/api/v1/orgs/{orgSlug}/audit-events",
    summary: "Read the audit log (admins)",
    tags: ["Audit"],
    access: "org",
    minRole: "admin",
    params: orgParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(50),
      cursor: z
        .string()
        .regex(/^\d{1,19}$/, "use nextCursor from the previous page")
        .optional(),
    }),
    responses: { 200: { description: "Events", schema: z.object({ events: z.array(auditEventSchema), nextCursor: z.string().nullable() }) } },
    handler: async (c, { query }) => c.json(await listAuditEvents(db, orgActorOf(c), { limit: query.limit, before: query.cursor })),
  });
}
