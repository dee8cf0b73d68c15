/**
 * The MCP capability: the /mcp endpoint, its tools, and the usage report.
 */
export { mcpRoutes, PROTECTED_RESOURCE_PATH } from "./mcp.route.js";
export { registerMcpUsageRoute } from "./usage.route.js";
export { TOOLS } from "./tools/index.js";
