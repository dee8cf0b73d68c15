/**
 * REST: /api/v1/orgs (create, list mine) and /api/v1/orgs/{orgSlug} (read, rename, delete).
 */
import { z } from "zod";
import type { Database } from "../../platform/db/database.js";
import type { ApiRouter } from "../../platform/http/api-route.js";
import { orgActorOf } from "../actor.js";
import { orgNameSchema, orgParams, orgSchema, orgSlugSchema, orgWithRoleSchema } from "../schemas.js";
import { createOrg, deleteOrg, getOrg, listOrgsOf, renameOrg } from "./org.service.js";

/** Registers the organisation routes. */
export function registerOrgRoutes(router: ApiRouter, db: Database): void {
  router
    .add({
      method: "post",
      path: "/api/v1/orgs",
      summary: "Create an organisation; you become its owner",
      tags: ["Organisations"],
      access: "user",
      sessionOnly: true,
      body: z.object({ slug: orgSlugSchema, name: orgNameSchema }),
      responses: { 201: { description: "Created", schema: orgSchema }, 409: { description: "Slug taken (`conflict`)" } },
      handler: async (c, { body }) => {
        const caller = c.get("caller")!;
        return c.json(await createOrg(db, { userId: caller.userId, ip: c.get("clientIp") }, body), 201);
      },
    })
    .add({
      method: "get",
      path: "/api/v1/orgs",
      summary: "List the organisations you belong to",
      tags: ["Organisations"],
      access: "user",
      responses: { 200: { description: "Your organisations", schema: z.object({ orgs: z.array(orgWithRoleSchema) }) } },
      handler: async (c) => {
        const caller = c.get("caller")!;
        let orgs = await listOrgsOf(db, caller.userId);
        // An API key sees only the organisation it belongs to.
        if (caller.apiKey) orgs = orgs.filter((o) => o.id === caller.apiKey?.orgId);
        return c.json({ orgs });
      },
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}",
      summary: "Read an organisation",
      tags: ["Organisations"],
      access: "org",
      params: orgParams,
      responses: { 200: { description: "The organisation", schema: orgWithRoleSchema } },
      handler: async (c) => c.json(await getOrg(db, orgActorOf(c))),
    })
    .add({
      method: "patch",
      path: "/api/v1/orgs/{orgSlug}",
      summary: "Rename an organisation",
      tags: ["Organisations"],
      access: "org",
      minRole: "admin",
      params: orgParams,
      body: z.object({ name: orgNameSchema }),
      responses: { 200: { description: "Renamed", schema: orgWithRoleSchema } },
      handler: async (c, { body }) => c.json(await renameOrg(db, orgActorOf(c), body.name)),
    })
    .add({
      method: "delete",
      path: "/api/v1/orgs/{orgSlug}",
      summary: "Delete an organisation and all of its data",
      tags: ["Organisations"],
      access: "org",
      minRole: "owner",
      params: orgParams,
      responses: { 204: { description: "Deleted" } },
      handler: async (c) => {
        await deleteOrg(db, orgActorOf(c));
        c.get("logger").info({ orgId: c.get("org")?.orgId }, "organisation deleted");
        return c.body(null, 204);
      },
    });
}
