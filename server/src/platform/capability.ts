/**
 * The one shape every capability takes: its `index.ts` exports `createX(narrowDeps)`, which
 * returns what the capability offers the roles, each part optional. Roles compose these and
 * nothing else; a capability never reaches into a role.
 */
import type { Hono } from "hono";
import type { ApiRouter } from "./http/api-route.js";
import type { AppEnv } from "./http/app-env.js";

/** What a capability offers the roles. */
export interface Capability {
  /** Adds its declarative REST routes (/api/v1/...) to the router, which documents them. */
  registerRoutes?(router: ApiRouter): void;
  /** Route groups with paths of their own (/.status, /.auth/*, /mcp), mounted as they are. */
  routes?: Hono<AppEnv>[];
  /** Starts background work in the process that serves it; resolves to its stop function. */
  start?(): Promise<() => Promise<void>>;
}
