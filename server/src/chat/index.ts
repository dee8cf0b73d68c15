/**
 * The chat capability (issue #16, in progress): the agent loop over ctxpipe's own tools that
 * the web chat and the `ctx_advisor` MCP tool share. So far: checked citations.
 */
export { type CheckedCitation, checkCitations, findCitations, MAX_CHECKED } from "./citation-check.js";
