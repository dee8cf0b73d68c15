/**
 * The MCP tools as the chat's agent loop takes them (chat/agent-loop.ts `AgentTool`): every
 * tool but ctx_advisor (which asks the loop itself), bound to the caller's organisation and
 * to the same service objects the /mcp endpoint hands its tools.
 */
import type { AgentTool } from "../chat/index.js";
import type { ToolScope, ToolServices } from "./tools/context.js";
import { TOOLS } from "./tools/index.js";

/** The chat's tools for an organisation, over `services`. */
export function agentTools(services: ToolServices): (scope: ToolScope) => AgentTool[] {
  return (scope) => {
    const ctx = { ...services, scope };
    return TOOLS.filter((t) => t.name !== "ctx_advisor").map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema,
      run: (input: unknown) => t.run(ctx, input),
    }));
  };
}
