/**
 * /$orgSlug/chat?c=<conversation>&source=: ask about the organisation's code. The answer
 * streams in as it is written (chat-stream.ts), with the tool calls the agent makes; once it is
 * stored its checked citations link to the file view (markdown.tsx) and the details under it
 * list citations, sources and tool calls (answer-details.tsx). Stop ends an answer and keeps
 * what was written; "Answer again" regenerates the last answer. Beside it, the caller's
 * conversations, web and MCP (conversation-list.tsx). Without a model the answer is the
 * evidence the tools found, and the page says how to configure one.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Button, errorMessage, Notice, PageHeader } from "../ui/ui";
import { useModelStatus } from "../status/status-api";
import { AnswerDetails, type ToolCall, ToolCalls } from "./answer-details";
import { chatKeys, fetchConversation, useConversation } from "./chat-api";
import { type ChatEvent, streamAnswer } from "./chat-stream";
import { ConversationList } from "./conversation-list";
import { Markdown } from "./markdown";
import { useChatSearch, useOrgSlug } from "../app-shell/route-params";

/** The answer being written: its question, the text so far and the tools called so far. */
interface Turn {
  prompt: string;
  text: string;
  toolCalls: ToolCall[];
  regenerate: boolean;
  stopping: boolean;
}

/** The chat page. */
export function ChatPage() {
  const orgSlug = useOrgSlug();
  const search = useChatSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState("");
  const [turn, setTurn] = useState<Turn | null>(null);
  const [error, setError] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);
  const bottom = useRef<HTMLDivElement | null>(null);

  const conversation = useConversation(orgSlug, search.c);
  const model = useModelStatus();
  // Follow the answer as it grows, and show the end of a conversation when it opens.
  const growth = `${turn?.text.length ?? 0}:${conversation.data?.messages.length ?? 0}`;
  useEffect(() => {
    if (growth) bottom.current?.scrollIntoView({ block: "end" });
  }, [growth]);
  // Leaving the page, or opening another conversation, stops an answer being written.
  const streaming = useRef<string | undefined>(undefined);
  useEffect(() => () => controller.current?.abort(), []);
  useEffect(() => {
    if (controller.current && streaming.current && search.c !== streaming.current) controller.current.abort();
  }, [search.c]);

  const run = async (request: { prompt: string; conversationId?: string } | { regenerate: string }, prompt: string) => {
    const stop = new AbortController();
    controller.current = stop;
    // The answer the stored conversation ended with before (a regenerated one stays until replaced).
    const previous = conversation.data?.messages.filter((m) => m.role === "assistant").at(-1)?.id;
    setError(null);
    setTurn({ prompt, text: "", toolCalls: [], regenerate: "regenerate" in request, stopping: false });
    const onEvent = (event: ChatEvent) => {
      if (event.type === "conversation") streaming.current = event.conversationId;
      if (event.type === "conversation" && event.conversationId !== search.c) {
        void navigate({ to: "/$orgSlug/chat", params: { orgSlug }, search: { c: event.conversationId, source: search.source }, replace: true });
      } else if (event.type === "text") {
        setTurn((t) => t && { ...t, text: t.text + event.text });
      } else if (event.type === "tool") {
        setTurn((t) => t && { ...t, toolCalls: [...t.toolCalls, event.call] });
      } else if (event.type === "error") {
        setError(event.error.message);
      }
    };
    try {
      await streamAnswer(orgSlug, request, onEvent, stop.signal);
      // A stopped answer is stored by the server once it notices the closed stream: wait for it.
      const id = streaming.current;
      for (let i = 0; stop.signal.aborted && id && i < 40; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const stored = await fetchConversation(orgSlug, id).catch(() => undefined);
        const last = stored?.messages.at(-1);
        if (!last || (last.role === "assistant" && last.id !== previous)) break;
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      controller.current = null;
      streaming.current = undefined;
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: chatKeys.anyConversation(orgSlug) }),
        queryClient.invalidateQueries({ queryKey: chatKeys.conversations(orgSlug) }),
      ]);
      setTurn(null);
    }
  };

  const ask = (e: FormEvent) => {
    e.preventDefault();
    const prompt = draft.trim();
    if (!prompt || turn) return;
    setDraft("");
    void run({ prompt, conversationId: search.c }, prompt);
  };
  const stop = () => {
    setTurn((t) => t && { ...t, stopping: true });
    controller.current?.abort();
  };

  // While an answer is written, the stored messages it replaces or repeats are hidden.
  let messages = search.c ? (conversation.data?.messages ?? []) : [];
  if (turn) {
    if (turn.regenerate && messages.at(-1)?.role === "assistant") messages = messages.slice(0, -1);
    if (messages.at(-1)?.role === "user") messages = messages.slice(0, -1);
  }
  const lastQuestion = [...messages].reverse().find((m) => m.role === "user");

  return (
    <>
      <PageHeader
        title="Chat"
        actions={
          <Button
            variant="secondary"
            onClick={() => void navigate({ to: "/$orgSlug/chat", params: { orgSlug }, search: { source: search.source } })}
            disabled={Boolean(turn)}
          >
            New chat
          </Button>
        }
      >
        Ask about your organisation's code. Answers cite files; every citation is checked against the index.
      </PageHeader>
      {model.data && !model.data.configured && (
        <Notice>No model is configured: answers list the evidence the tools found, without a summary. docs/chat.md says how to configure one.</Notice>
      )}
      {model.data?.configured && model.data.reachable === false && <Notice kind="error">The model provider is not answering: {model.data.message}.</Notice>}
      <div className="mt-3 grid gap-4 md:grid-cols-[14rem_minmax(0,1fr)]">
        <ConversationList orgSlug={orgSlug} search={search} />
        <section aria-label="Conversation" className="min-w-0 space-y-4">
          {search.c && conversation.error && <Notice kind="error">{errorMessage(conversation.error)}</Notice>}
          {messages.map((m) =>
            m.role === "user" ? (
              <Question key={m.id} text={m.content} />
            ) : (
              <article key={m.id} aria-label="Answer" className="rounded-lg border border-line bg-surface p-3">
                <Markdown text={m.content} orgSlug={orgSlug} citations={m.answer?.citations ?? []} />
                {m.answer && <AnswerDetails orgSlug={orgSlug} answer={m.answer} />}
              </article>
            ),
          )}
          {turn && (
            <>
              <Question text={turn.prompt} />
              <article aria-label="Answer being written" aria-busy="true" className="rounded-lg border border-line bg-surface p-3">
                {turn.toolCalls.length > 0 && (
                  <div className="mb-2">
                    <ToolCalls calls={turn.toolCalls} />
                  </div>
                )}
                {turn.text ? <Markdown text={turn.text} orgSlug={orgSlug} citations={[]} /> : <p className="text-soft">Looking…</p>}
              </article>
            </>
          )}
          {error && <Notice kind="error">{error}</Notice>}
          <form onSubmit={ask} className="space-y-2">
            <label htmlFor="chat-prompt" className="block text-sm font-medium">
              {search.c ? "Follow up" : "Your question"}
            </label>
            <textarea
              id="chat-prompt"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey) ask(e);
              }}
              maxLength={8000}
              rows={3}
              className="w-full rounded-md border border-line bg-surface p-2"
              placeholder={search.c ? "Ask a follow-up question" : "For example: where is the discount applied?"}
            />
            <div className="flex gap-2">
              {turn ? (
                <Button variant="danger" onClick={stop} disabled={turn.stopping}>
                  Stop
                </Button>
              ) : (
                <Button type="submit" disabled={!draft.trim()}>
                  Ask
                </Button>
              )}
              {!turn && search.c && lastQuestion && (
                <Button variant="secondary" onClick={() => void run({ regenerate: search.c! }, lastQuestion.content)}>
                  Answer again
                </Button>
              )}
            </div>
          </form>
          <div ref={bottom} />
        </section>
      </div>
    </>
  );
}

/** A question, as asked. */
function Question({ text }: { text: string }) {
  return (
    <div className="ml-auto max-w-[85%] rounded-lg bg-muted px-3 py-2 whitespace-pre-wrap">
      <span className="sr-only">You asked: </span>
      {text}
    </div>
  );
}
