/**
 * The chat API as the pages use it: the query keys, the caller's conversations (all, the web
 * chat's or ctx_advisor's), one conversation with its messages, and deleting one. Asking streams
 * over server-sent events instead (chat-stream.ts).
 */
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";

/** Where a conversation was held: the web chat or ctx_advisor over MCP. */
export type ConversationSource = "web" | "mcp";

/** The query keys of the chat (invalidate `conversations` and `anyConversation` after an answer). */
export const chatKeys = {
  conversations: (orgSlug: string) => ["chat-conversations", orgSlug] as const,
  conversationList: (orgSlug: string, source: ConversationSource | undefined) => ["chat-conversations", orgSlug, source ?? "all"] as const,
  anyConversation: (orgSlug: string) => ["chat-conversation", orgSlug] as const,
  conversation: (orgSlug: string, conversationId: string | undefined) => ["chat-conversation", orgSlug, conversationId] as const,
};

/** Reads one conversation with its messages. */
export function fetchConversation(orgSlug: string, conversationId: string) {
  return call(api.GET("/api/v1/orgs/{orgSlug}/chat/conversations/{conversationId}", { params: { path: { orgSlug, conversationId } } }));
}

/** The conversation `conversationId`; nothing while none is open. A failure is not retried. */
export function useConversation(orgSlug: string, conversationId: string | undefined) {
  return useQuery({
    queryKey: chatKeys.conversation(orgSlug, conversationId),
    queryFn: () => fetchConversation(orgSlug, conversationId ?? ""),
    enabled: Boolean(conversationId),
    retry: false,
  });
}

/** The caller's conversations, newest first, of `source` (all when undefined). */
export function useConversations(orgSlug: string, source: ConversationSource | undefined) {
  return useQuery({
    queryKey: chatKeys.conversationList(orgSlug, source),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/chat/conversations", { params: { path: { orgSlug }, query: { source } } })),
  });
}

/** Deletes a conversation. */
export function deleteConversation(orgSlug: string, conversationId: string) {
  return call(api.DELETE("/api/v1/orgs/{orgSlug}/chat/conversations/{conversationId}", { params: { path: { orgSlug, conversationId } } }));
}
