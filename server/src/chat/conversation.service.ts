/**
 * Conversations: a user's questions and the answers of the agent loop (or, without a model,
 * of the evidence answer), stored per organisation and user. Asking appends the question,
 * runs the loop with the conversation's earlier messages, and appends the answer with its
 * checked citations, sources and tool calls.
 */
import type { OrgActor } from "../accounts/index.js";
import type { Models } from "../models/index.js";
import type { Database } from "../platform/db/database.js";
import { withTenant } from "../platform/db/tenant.js";
import { notFound } from "../platform/errors.js";
import { type AgentAnswer, type AgentEvent, type AgentLimits, type AgentTool, evidenceAnswer, runAgent } from "./agent-loop.js";

/** What the service needs. */
export interface ChatDependencies {
  db: Database;
  models: Models;
  limits: AgentLimits;
  /** ctxpipe's tools, bound to an organisation. */
  tools: (scope: { orgId: string }) => AgentTool[];
}

/** A conversation as listed. */
export interface Conversation {
  id: string;
  title: string;
  source: "web" | "mcp";
  createdAt: string;
  updatedAt: string;
}

/** One message. */
export interface ChatMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  answer: Omit<AgentAnswer, "text"> | null;
  createdAt: string;
}

/** Earlier messages sent with a question (the most recent ones). */
const HISTORY_MESSAGES = 20;
/** Most conversations listed. */
const MAX_LISTED = 200;

interface ConversationRow {
  id: string;
  title: string;
  source: "web" | "mcp";
  created_at: Date;
  updated_at: Date;
}
const present = (r: ConversationRow): Conversation => ({
  id: r.id,
  title: r.title,
  source: r.source,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** The caller's conversations, newest first, optionally of one source. */
export async function listConversations(db: Database, actor: OrgActor, source?: "web" | "mcp"): Promise<Conversation[]> {
  return withTenant(db, actor, async (tx) => {
    const { rows } = await tx.query<ConversationRow>(
      `select id, title, source, created_at, updated_at from chat_conversations
       where user_id = $1 and ($2::text is null or source = $2) order by updated_at desc limit $3`,
      [actor.userId, source ?? null, MAX_LISTED],
    );
    return rows.map(present);
  });
}

/** A conversation with its messages (404 when it is not the caller's). */
export async function getConversation(db: Database, actor: OrgActor, id: string): Promise<Conversation & { messages: ChatMessage[] }> {
  return withTenant(db, actor, async (tx) => {
    const { rows } = await tx.query<ConversationRow>(
      "select id, title, source, created_at, updated_at from chat_conversations where id::text = $1 and user_id = $2",
      [id, actor.userId],
    );
    if (!rows[0]) throw notFound("conversation");
    const { rows: messages } = await tx.query<{ id: string; role: "user" | "assistant"; content: string; answer: ChatMessage["answer"]; created_at: Date }>(
      "select id, role, content, answer, created_at from chat_messages where conversation_id = $1 order by created_at, role desc",
      [rows[0].id],
    );
    return {
      ...present(rows[0]),
      messages: messages.map((m) => ({ id: m.id, role: m.role, content: m.content, answer: m.answer, createdAt: m.created_at.toISOString() })),
    };
  });
}

/** Deletes one of the caller's conversations (404 otherwise). */
export async function deleteConversation(db: Database, actor: OrgActor, id: string): Promise<void> {
  await withTenant(db, actor, async (tx) => {
    const { rowCount } = await tx.query("delete from chat_conversations where id::text = $1 and user_id = $2", [id, actor.userId]);
    if (!rowCount) throw notFound("conversation");
  });
}

/**
 * Asks a question: in a new conversation (`conversationId` absent) or an existing one of the
 * caller's; answers the conversation's id and the answer.
 */
export async function ask(
  deps: ChatDependencies,
  actor: { orgId: string; userId: string },
  input: { prompt: string; conversationId?: string; source: "web" | "mcp"; signal?: AbortSignal; onEvent?: (event: AgentEvent) => void },
): Promise<{ conversationId: string; answer: AgentAnswer }> {
  const { db } = deps;
  const { conversationId, history } = await withTenant(db, actor, async (tx) => {
    if (!input.conversationId) {
      const title = input.prompt.replace(/\s+/g, " ").trim().slice(0, 80) || "Question";
      const { rows } = await tx.query<{ id: string }>("insert into chat_conversations (org_id, user_id, title, source) values ($1, $2, $3, $4) returning id", [
        actor.orgId,
        actor.userId,
        title,
        input.source,
      ]);
      return { conversationId: rows[0]!.id, history: [] };
    }
    const { rows } = await tx.query<{ id: string }>("select id from chat_conversations where id::text = $1 and user_id = $2", [
      input.conversationId,
      actor.userId,
    ]);
    if (!rows[0]) throw notFound("conversation");
    const { rows: earlier } = await tx.query<{ role: "user" | "assistant"; content: string }>(
      "select role, content from (select role, content, created_at from chat_messages where conversation_id = $1 order by created_at desc limit $2) m order by created_at",
      [rows[0].id, HISTORY_MESSAGES],
    );
    return { conversationId: rows[0].id, history: earlier };
  });
  const tools = deps.tools({ orgId: actor.orgId });
  const model = deps.models.languageModel("medium");
  const answer = model
    ? await runAgent({ db, scope: actor, model, tools, prompt: input.prompt, history, limits: deps.limits, signal: input.signal, onEvent: input.onEvent })
    : await evidenceAnswer({ tools, prompt: input.prompt });
  await withTenant(db, actor, async (tx) => {
    const { text, ...rest } = answer;
    await tx.query(
      `insert into chat_messages (org_id, conversation_id, role, content, answer, created_at)
       values ($1, $2, 'user', $3, null, clock_timestamp()), ($1, $2, 'assistant', $4, $5, clock_timestamp() + interval '1 microsecond')`,
      [actor.orgId, conversationId, input.prompt, text.slice(0, 100_000), JSON.stringify(rest)],
    );
    await tx.query("update chat_conversations set updated_at = now() where id = $1", [conversationId]);
  });
  return { conversationId, answer };
}
