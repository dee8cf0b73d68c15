/**
 * The MCP capability: the /mcp endpoint, its tools, and the usage report.
 */
import type { Capability } from "../platform/capability.js";
import { type McpDependencies, mcpRoutes } from "./mcp.route.js";
import { registerMcpUsageRoute } from "./usage.route.js";

export { mcpRoutes, PROTECTED_RESOURCE_PATH, type McpDependencies } from "./mcp.route.js";
export { TOOLS } from "./tools/index.js";

/** The MCP capability for a process: the /mcp endpoint and the usage report. */
export function createMcp(deps: McpDependencies): Capability {
  return { routes: [mcpRoutes(deps)], registerRoutes: (router) => registerMcpUsageRoute(router, deps.db) };
}
