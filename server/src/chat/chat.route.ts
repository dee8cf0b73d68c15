/**
 * REST: /api/v1/orgs/{orgSlug}/chat/conversations: ask (a new conversation or a follow-up),
 * list, read and delete the caller's conversations.
 */
import { z } from "zod";
import { orgActorOf } from "../accounts/index.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { type ChatDependencies, ask, deleteConversation, getConversation, listConversations } from "./conversation.service.js";

const orgParams = z.object({ orgSlug: z.string() });
const conversationParams = orgParams.extend({ conversationId: z.string().uuid().describe("The conversation's id") });

const checkedCitation = z.object({
  citation: z.string(),
  repo: z.string(),
  commit: z.string(),
  path: z.string(),
  startLine: z.number(),
  endLine: z.number(),
  verified: z.boolean(),
  reason: z.string().optional(),
  text: z.string().optional(),
});
const answerDetails = z.object({
  citations: z.array(checkedCitation),
  sources: z.array(z.string()),
  toolCalls: z.array(z.object({ name: z.string(), input: z.unknown(), ok: z.boolean() })),
  steps: z.number(),
  stopped: z.enum(["steps", "tokens", "time", "cancelled", "provider"]).optional(),
});
const conversation = z.object({ id: z.string(), title: z.string(), source: z.enum(["web", "mcp"]), createdAt: z.string(), updatedAt: z.string() });

/** Registers the chat routes. */
export function registerChatRoutes(router: ApiRouter, deps: ChatDependencies): void {
  router
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/chat/conversations",
      summary: "Ask a question: the answer cites the code, each citation checked against the index",
      description:
        "Without conversationId a new conversation starts. Without a configured model the answer is the evidence the tools found. The limits are CTXPIPE_CHAT_MAX_STEPS, CTXPIPE_CHAT_MAX_OUTPUT_TOKENS and CTXPIPE_CHAT_TIMEOUT_SECONDS.",
      tags: ["Chat"],
      access: "org",
      fairShare: true,
      params: orgParams,
      body: z.object({ prompt: z.string().trim().min(1).max(8_000), conversationId: z.string().uuid().optional() }).strict(),
      responses: {
        200: { description: "The answer", schema: z.object({ conversationId: z.string(), answer: answerDetails.extend({ text: z.string() }) }) },
        404: { description: "No such conversation of the caller's" },
      },
      handler: async (c, { body }) => c.json(await ask(deps, orgActorOf(c), { ...body, source: "web", signal: c.req.raw.signal })),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/chat/conversations",
      summary: "List the caller's conversations, newest first",
      tags: ["Chat"],
      access: "org",
      params: orgParams,
      query: z.object({ source: z.enum(["web", "mcp"]).optional().describe("Only the web chat's, or only ctx_advisor's") }),
      responses: { 200: { description: "Conversations", schema: z.object({ conversations: z.array(conversation) }) } },
      handler: async (c, { query }) => c.json({ conversations: await listConversations(deps.db, orgActorOf(c), query.source) }),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/chat/conversations/{conversationId}",
      summary: "Read a conversation with its messages",
      tags: ["Chat"],
      access: "org",
      params: conversationParams,
      responses: {
        200: {
          description: "The conversation",
          schema: conversation.extend({
            messages: z.array(
              z.object({ id: z.string(), role: z.enum(["user", "assistant"]), content: z.string(), answer: answerDetails.nullable(), createdAt: z.string() }),
            ),
          }),
        },
        404: { description: "No such conversation of the caller's" },
      },
      handler: async (c, { params }) => c.json(await getConversation(deps.db, orgActorOf(c), params.conversationId)),
    })
    .add({
      method: "delete",
      path: "/api/v1/orgs/{orgSlug}/chat/conversations/{conversationId}",
      summary: "Delete a conversation",
      tags: ["Chat"],
      access: "org",
      params: conversationParams,
      responses: { 204: { description: "Deleted" }, 404: { description: "No such conversation of the caller's" } },
      handler: async (c, { params }) => {
        await deleteConversation(deps.db, orgActorOf(c), params.conversationId);
        return c.body(null, 204);
      },
    });
}
