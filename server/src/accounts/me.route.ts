/**
 * REST: GET /api/v1/me: the caller and the organisations they can act in. The one /api route
 * that also accepts an OAuth access token (a device-flow client picks its organisation here).
 */
import { z } from "zod";
import type { Database } from "../platform/db/database.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { listOrgsOf } from "./orgs/org.service.js";
import { orgWithRoleSchema } from "./schemas.js";

/** Registers GET /api/v1/me. */
export function registerMeRoute(router: ApiRouter, db: Database): void {
  router.add({
    method: "get",
    path: "/api/v1/me",
    summary: "Who you are, and your organisations",
    tags: ["Me"],
    access: "user",
    responses: {
      200: {
        description: "The caller",
        schema: z.object({
          user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
          authType: z.enum(["session", "api_key", "oauth"]),
          orgs: z.array(orgWithRoleSchema),
        }),
      },
    },
    handler: async (c) => {
      const caller = c.get("caller")!;
      let orgs = await listOrgsOf(db, caller.userId);
      if (caller.apiKey) orgs = orgs.filter((o) => o.id === caller.apiKey?.orgId);
      return c.json({ user: { id: caller.userId, email: caller.email, name: caller.name }, authType: caller.type, orgs });
    },
  });
}
