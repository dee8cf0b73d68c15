/**
 * The chat capability (issue #16, in progress): the agent loop over ctxpipe's own tools that
 * the web chat and the `ctx_advisor` MCP tool share. So far: the loop (bounded, tools passed
 * in by the caller), the answer without a model, and checked citations.
 */
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
