/**
 * The caller's conversations beside the chat, newest first, filtered to all, the web chat's or
 * ctx_advisor's (MCP); each opens in the page, and can be deleted.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { errorMessage, Notice, QueryState } from "../ui/ui";
import { chatKeys, deleteConversation, useConversations } from "./chat-api";
import type { ChatSearch } from "./chat-search";

const FILTERS = [
  { source: undefined, label: "All" },
  { source: "web", label: "Web" },
  { source: "mcp", label: "MCP" },
] as const;

/** The conversation list. */
export function ConversationList({ orgSlug, search }: { orgSlug: string; search: ChatSearch }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const list = useConversations(orgSlug, search.source);
  const remove = useMutation({
    mutationFn: (conversationId: string) => deleteConversation(orgSlug, conversationId),
    onSuccess: async (_data, conversationId) => {
      if (search.c === conversationId) await navigate({ to: "/$orgSlug/chat", params: { orgSlug }, search: { source: search.source } });
      await queryClient.invalidateQueries({ queryKey: chatKeys.conversations(orgSlug) });
    },
  });
  return (
    <nav aria-label="Conversations" className="space-y-2">
      <div className="flex gap-1 text-sm">
        {FILTERS.map((f) => (
          <Link
            key={f.label}
            to="/$orgSlug/chat"
            params={{ orgSlug }}
            search={{ c: search.c, source: f.source }}
            aria-current={search.source === f.source ? "true" : undefined}
            className={`rounded-md px-2 py-0.5 no-underline ${search.source === f.source ? "bg-accent text-on-accent" : "border border-line"}`}
          >
            {f.label}
          </Link>
        ))}
      </div>
      {remove.error && <Notice kind="error">{errorMessage(remove.error)}</Notice>}
      <QueryState query={list}>
        {({ conversations }) =>
          conversations.length === 0 ? (
            <p className="text-sm text-soft">No conversations yet.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {conversations.map((c) => (
                <li key={c.id} className={`flex items-center gap-1 rounded-md px-1 ${c.id === search.c ? "bg-muted" : ""}`}>
                  <Link
                    to="/$orgSlug/chat"
                    params={{ orgSlug }}
                    search={{ c: c.id, source: search.source }}
                    aria-current={c.id === search.c ? "page" : undefined}
                    className="min-w-0 flex-1 truncate no-underline"
                    title={c.title}
                  >
                    {c.source === "mcp" && <span className="mr-1 rounded border border-line px-1 text-xs">MCP</span>}
                    {c.title}
                  </Link>
                  <button
                    type="button"
                    className="rounded px-1 text-soft hover:text-danger"
                    aria-label={`Delete “${c.title}”`}
                    onClick={() => remove.mutate(c.id)}
                    disabled={remove.isPending}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </nav>
  );
}
