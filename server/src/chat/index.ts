/**
 * The chat capability (issue #16, in progress): the agent loop over ctxpipe's own tools that
 * the web chat and the `ctx_advisor` MCP tool share. So far: the loop (bounded, tools passed
 * in by the caller), the answer without a model, checked citations, and the conversations
 * with their REST routes.
 */
import type { Capability } from "../platform/capability.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { registerChatRoutes } from "./chat.route.js";
import type { ChatDependencies } from "./conversation.service.js";

export { ask, type ChatDependencies, type ChatMessage, type Conversation, getConversation, listConversations } from "./conversation.service.js";

/** Builds the capability: the chat routes. */
export function createChat(deps: ChatDependencies): Capability & { registerRoutes(router: ApiRouter): void } {
  return { registerRoutes: (router) => registerChatRoutes(router, deps) };
}
export {
  type AgentAnswer,
  type AgentLimits,
  type AgentTool,
  type AgentToolCall,
  evidenceAnswer,
  providerProblem,
  runAgent,
  searchTermsOf,
  sourcesIn,
} from "./agent-loop.js";
export { type CheckedCitation, checkCitations, findCitations, MAX_CHECKED } from "./citation-check.js";
