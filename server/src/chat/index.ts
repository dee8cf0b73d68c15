/**
 * The chat capability (docs/chat.md): the agent loop over ctxpipe's own tools that the web
 * chat and the `ctx_advisor` MCP tool share (streamed, bounded, tools passed in by the
 * caller), the answer without a model, checked citations, and the conversations with their
 * REST routes (JSON or server-sent events; stop and regenerate).
 */
import type { Capability } from "../platform/capability.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { registerChatRoutes } from "./chat.route.js";
import { ask, type ChatDependencies } from "./conversation.service.js";

export type { ChatDependencies, ChatEvent, ChatMessage, Conversation } from "./conversation.service.js";

/** The chat capability: its routes, and one question asked and answered (ctx_advisor's loop). */
export interface Chat extends Capability {
  registerRoutes(router: ApiRouter): void;
  /** Asks in a new or the caller's conversation and waits for the answer. */
  ask(actor: { orgId: string; userId: string }, input: Parameters<typeof ask>[2]): ReturnType<typeof ask>;
}

/** Builds the capability once per process (no I/O until used). */
export function createChat(deps: ChatDependencies): Chat {
  return { registerRoutes: (router) => registerChatRoutes(router, deps), ask: (actor, input) => ask(deps, actor, input) };
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
