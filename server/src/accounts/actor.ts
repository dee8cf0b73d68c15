/**
 * Who performs an org-scoped action: built once per request from the authenticated caller
 * and the org membership, then passed to every accounts service call.
 */
import type { Context } from "hono";
import type { TenantScope } from "../platform/db/tenant.js";
import type { AppEnv } from "../platform/http/app-env.js";
import type { OrgRole } from "../platform/org-roles.js";

/** The actor of an org-scoped service call; doubles as its tenant scope. */
export interface OrgActor extends TenantScope {
  userId: string;
  role: OrgRole;
  actorType: "user" | "api_key";
  /** The API key the request came with (actorType "api_key"), recorded in the audit log. */
  apiKeyId?: string;
  ip: string;
}

/**
 * The actor of an org route. Only valid after the org guard ran.
 * @throws Error when used on a route without `access: "org"`.
 */
export function orgActorOf(c: Context<AppEnv>): OrgActor {
  const caller = c.get("caller");
  const org = c.get("org");
  if (!caller || !org) throw new Error("orgActorOf used outside an org route");
  return {
    orgId: org.orgId,
    userId: caller.userId,
    role: org.role,
    actorType: caller.type === "api_key" ? "api_key" : "user",
    ...(caller.apiKey ? { apiKeyId: caller.apiKey.id } : {}),
    ip: c.get("clientIp"),
  };
}
