/**
 * The connections capability: an organisation's links to code hosts and docs sources (GitHub
 * Apps first; Atlassian later), with their secrets encrypted through secrets/. Routes here;
 * the install flow, webhooks and reconcile job arrive with issue #14's next increments.
 */
import type { Capability } from "../platform/capability.js";
import { registerConnectionRoutes } from "./connection.route.js";
import type { ConnectionDependencies } from "./connection.service.js";

export { newConnectionId, type Connection } from "./connection.service.js";

/** The connections capability for a process. */
export function createConnections(deps: ConnectionDependencies): Capability {
  return { registerRoutes: (router) => registerConnectionRoutes(router, deps) };
}
