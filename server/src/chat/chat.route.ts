/**
 * REST: /api/v1/orgs/{orgSlug}/chat/conversations: ask (a new conversation or a follow-up),
 * answer the last question again, list, read and delete the caller's conversations. Asking
 * answers JSON, or with `Accept: text/event-stream` streams the answer as server-sent events
 * (closing the stream stops the answer; what was written is kept).
 */
import type { Context } from "hono";
import { z } from "zod";
import { type OrgActor, orgActorOf } from "../accounts/index.js";
import { isAppError } from "../platform/errors.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import type { AppEnv } from "../platform/http/app-env.js";
import { eventStream, wantsEventStream } from "../platform/http/event-stream.js";
import {
  answerQuestion,
  type ChatDependencies,
  deleteConversation,
  getConversation,
  listConversations,
  type Question,
  retryLastQuestion,
  startQuestion,
} from "./conversation.service.js";

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
const answered = z.object({ conversationId: z.string(), answer: answerDetails.extend({ text: z.string() }) });
/** The data of each server-sent event (the event's name is its `type`). */
const answerEvents = z.discriminatedUnion("type", [
  z.object({ type: z.literal("conversation"), conversationId: z.string() }),
  z.object({ type: z.literal("text"), text: z.string().describe("The next piece of the answer") }),
  z.object({ type: z.literal("tool"), call: z.object({ name: z.string(), input: z.unknown(), ok: z.boolean() }) }),
  z.object({ type: z.literal("step"), index: z.number(), toolCalls: z.array(z.string()) }),
  answered.extend({ type: z.literal("answer") }).describe("The last event: the stored answer with its checked citations"),
  z.object({ type: z.literal("error"), error: z.object({ code: z.string(), message: z.string() }) }),
]);

/** The answer to a stored question: JSON, or a stream of events when asked for. */
function answerOf(c: Context<AppEnv>, deps: ChatDependencies, actor: OrgActor, question: Question): Promise<Response> | Response {
  const conversationId = question.conversationId;
  if (!wantsEventStream(c.req.raw)) {
    return answerQuestion(deps, actor, question, { signal: c.req.raw.signal }).then((answer) => c.json({ conversationId, answer }));
  }
  const log = c.get("logger");
  return eventStream(
    async (send, signal) => {
      const answer = await answerQuestion(deps, actor, question, { signal, onEvent: (event) => send(event.type, event) });
      send("answer", { type: "answer", conversationId, answer });
    },
    {
      requestSignal: c.req.raw.signal,
      onFailure: (err) => {
        log.error({ err }, "chat answer failed");
        return isAppError(err) && err.expose ? { code: err.code, message: err.message } : { code: "internal_error", message: "The answer failed; try again." };
      },
    },
  );
}

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
        200: { description: "The answer (JSON), or its server-sent events (Accept: text/event-stream)", schema: answered, events: answerEvents },
        404: { description: "No such conversation of the caller's" },
        409: { description: "An answer is being written in the conversation" },
      },
      handler: async (c, { body }) => {
        const actor = orgActorOf(c);
        return answerOf(c, deps, actor, await startQuestion(deps, actor, { ...body, source: "web" }));
      },
    })
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/chat/conversations/{conversationId}/regenerate",
      summary: "Answer the conversation's last question again, replacing its answer",
      tags: ["Chat"],
      access: "org",
      fairShare: true,
      params: conversationParams,
      responses: {
        200: { description: "The new answer (JSON), or its server-sent events (Accept: text/event-stream)", schema: answered, events: answerEvents },
        404: { description: "No such conversation of the caller's" },
        409: { description: "The conversation has no question, or an answer is being written in it" },
      },
      handler: async (c, { params }) => {
        const actor = orgActorOf(c);
        return answerOf(c, deps, actor, await retryLastQuestion(deps, actor, params.conversationId));
      },
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
