/**
 * The MCP capability: the /mcp endpoint, its tools, and the usage report. The tools call the
 * service objects of search, documents, the graph and repositories (never the database); the
 * chat's agent loop takes the same tools through `agentTools`.
 */
import type { Capability } from "../platform/capability.js";
import type { Database } from "../platform/db/database.js";
import { type McpDependencies, mcpRoutes } from "./mcp.route.js";
import { registerMcpUsageRoute } from "./usage.route.js";
import { createUsage } from "./usage.service.js";

export { PROTECTED_RESOURCE_PATH } from "./mcp.route.js";
export { agentTools } from "./agent-tools.js";
export { TOOLS } from "./tools/index.js";
export type { Advise, ToolContext, ToolScope, ToolServices } from "./tools/context.js";

/** What the MCP capability needs: the route's dependencies, and the database for its own usage counts. */
export interface McpCapabilityDependencies extends Omit<McpDependencies, "usage"> {
  db: Database;
}

/** The MCP capability for a process: the /mcp endpoint and the usage report. */
export function createMcp(deps: McpCapabilityDependencies): Capability {
  const usage = createUsage(deps.db);
  return { routes: [mcpRoutes({ ...deps, usage })], registerRoutes: (router) => registerMcpUsageRoute(router, usage) };
}
