/**
 * The chat capability (docs/chat.md): the agent loop over ctxpipe's own tools that the web
 * chat and the `ctx_advisor` MCP tool share (streamed, bounded, tools passed in by the
 * caller), the answer without a model, checked citations, and the conversations with their
 * REST routes (JSON or server-sent events; stop and regenerate).
 */
import type { Capability } from "../platform/capability.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { registerChatRoutes } from "./chat.route.js";
import type { ChatDependencies } from "./conversation.service.js";

export {
  answerQuestion,
  ask,
  type ChatDependencies,
  type ChatEvent,
  type ChatMessage,
  type Conversation,
  getConversation,
  listConversations,
  retryLastQuestion,
  startQuestion,
} from "./conversation.service.js";

/** Builds the capability: the chat routes. */
export function createChat(deps: ChatDependencies): Capability & { registerRoutes(router: ApiRouter): void } {
  return { registerRoutes: (router) => registerChatRoutes(router, deps) };
}
export {
  type AgentAnswer,
  type AgentEvent,
  type AgentLimits,
  type AgentTool,
  type AgentToolCall,
  providerProblem,
  runAgent,
  sourcesIn,
} from "./agent-loop.js";
export { EVIDENCE_MAX_CHARS, evidenceAnswer, questionWords, repositoriesNamed } from "./evidence-answer.js";
export { type CheckedCitation, checkCitations, findCitations, MAX_CHECKED } from "./citation-check.js";
