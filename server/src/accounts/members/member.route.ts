/**
 * REST: /api/v1/orgs/{orgSlug}/members: list, change role, remove or leave.
 */
import { z } from "zod";
import type { Database } from "../../platform/db/database.js";
import type { ApiRouter } from "../../platform/http/api-route.js";
import { orgActorOf } from "../actor.js";
import { memberSchema, orgParams, roleSchema } from "../schemas.js";
import { changeMemberRole, listMembers, removeMember } from "./member.service.js";

const memberParams = orgParams.extend({ userId: z.string().min(1).max(100) });

/** Registers the member routes. */
export function registerMemberRoutes(router: ApiRouter, db: Database): void {
  router
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/members",
      summary: "List members",
      tags: ["Members"],
      access: "org",
      params: orgParams,
      responses: { 200: { description: "Members", schema: z.object({ members: z.array(memberSchema) }) } },
      handler: async (c) => c.json({ members: await listMembers(db, orgActorOf(c)) }),
    })
    .add({
      method: "patch",
      path: "/api/v1/orgs/{orgSlug}/members/{userId}",
      summary: "Change a member's role (owners manage owners; the last owner stays)",
      tags: ["Members"],
      access: "org",
      minRole: "admin",
      params: memberParams,
      body: z.object({ role: roleSchema }),
      responses: { 200: { description: "Updated member", schema: memberSchema }, 409: { description: "Would remove the last owner (`last_owner`)" } },
      handler: async (c, { params, body }) => c.json(await changeMemberRole(db, orgActorOf(c), params.userId, body.role)),
    })
    .add({
      method: "delete",
      path: "/api/v1/orgs/{orgSlug}/members/{userId}",
      summary: "Remove a member, or leave (your own user id)",
      tags: ["Members"],
      access: "org",
      params: memberParams,
      responses: { 204: { description: "Removed" }, 409: { description: "Would remove the last owner (`last_owner`)" } },
      handler: async (c, { params }) => {
        await removeMember(db, orgActorOf(c), params.userId);
        return c.body(null, 204);
      },
    });
}
