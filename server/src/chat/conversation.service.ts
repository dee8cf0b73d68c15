/**
 * Conversations: a user's questions and the answers of the agent loop (or, without a model,
 * of the evidence answer), stored per organisation and user. A question is stored first (so
 * it survives a lost answer), then answered with the conversation's earlier messages; the
 * answer is stored with its checked citations, sources and tool calls, including what was
 * written before a stop. Regenerating takes back the last answer and answers its question again.
 */
import type { OrgActor } from "../accounts/index.js";
import type { Models } from "../models/index.js";
import type { Database } from "../platform/db/database.js";
import { type Queryable, withTenant } from "../platform/db/tenant.js";
import { conflict, notFound } from "../platform/errors.js";
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

/** What a chat run reports while it works: the conversation's id first, then the loop's events. */
export type ChatEvent = AgentEvent | { type: "conversation"; conversationId: string };

/** A question stored and ready to be answered. */
export interface Question {
  conversationId: string;
  prompt: string;
  /** The conversation's messages before the question, oldest first. */
  history: { role: "user" | "assistant"; content: string }[];
}

/**
 * Stores a question: in a new conversation (`conversationId` absent) or an existing one of the
 * caller's (404 otherwise). The question is kept even if its answer never comes.
 */
export async function startQuestion(
  db: Database,
  actor: { orgId: string; userId: string },
  input: { prompt: string; conversationId?: string; source: "web" | "mcp" },
): Promise<Question> {
  return withTenant(db, actor, async (tx) => {
    let conversationId: string;
    if (!input.conversationId) {
      const title = input.prompt.replace(/\s+/g, " ").trim().slice(0, 80) || "Question";
      const { rows } = await tx.query<{ id: string }>("insert into chat_conversations (org_id, user_id, title, source) values ($1, $2, $3, $4) returning id", [
        actor.orgId,
        actor.userId,
        title,
        input.source,
      ]);
      conversationId = rows[0]!.id;
    } else {
      conversationId = await ownConversation(tx, actor, input.conversationId);
    }
    const history = await historyOf(tx, conversationId);
    await tx.query(
      "insert into chat_messages (org_id, conversation_id, role, content, answer, created_at) values ($1, $2, 'user', $3, null, clock_timestamp())",
      [actor.orgId, conversationId, input.prompt],
    );
    return { conversationId, prompt: input.prompt, history };
  });
}

/**
 * Takes back a conversation's last answer so its question can be answered again (404 when the
 * conversation is not the caller's, 409 when it has no question).
 */
export async function retryLastQuestion(db: Database, actor: { orgId: string; userId: string }, id: string): Promise<Question> {
  return withTenant(db, actor, async (tx) => {
    const conversationId = await ownConversation(tx, actor, id);
    const { rows } = await tx.query<{ content: string; created_at: Date }>(
      "select content, created_at from chat_messages where conversation_id = $1 and role = 'user' order by created_at desc limit 1",
      [conversationId],
    );
    if (!rows[0]) throw conflict("The conversation has no question to answer again.");
    await tx.query("delete from chat_messages where conversation_id = $1 and role = 'assistant' and created_at > $2", [conversationId, rows[0].created_at]);
    const history = await historyOf(tx, conversationId, rows[0].created_at);
    return { conversationId, prompt: rows[0].content, history };
  });
}

/** Answers a stored question with the agent loop (or, without a model, the evidence) and stores the answer. */
export async function answerQuestion(
  deps: ChatDependencies,
  actor: { orgId: string; userId: string },
  question: Question,
  options: { signal?: AbortSignal; onEvent?: (event: ChatEvent) => void } = {},
): Promise<AgentAnswer> {
  const { db } = deps;
  options.onEvent?.({ type: "conversation", conversationId: question.conversationId });
  const tools = deps.tools({ orgId: actor.orgId });
  const model = deps.models.languageModel("medium");
  const answer = model
    ? await runAgent({
        db,
        scope: actor,
        model,
        tools,
        prompt: question.prompt,
        history: question.history,
        limits: deps.limits,
        signal: options.signal,
        onEvent: options.onEvent,
      })
    : await evidenceAnswer({ tools, prompt: question.prompt });
  await withTenant(db, actor, async (tx) => {
    const { text, ...rest } = answer;
    await tx.query(
      "insert into chat_messages (org_id, conversation_id, role, content, answer, created_at) values ($1, $2, 'assistant', $3, $4, clock_timestamp())",
      [actor.orgId, question.conversationId, text.slice(0, 100_000), JSON.stringify(rest)],
    );
    await tx.query("update chat_conversations set updated_at = now() where id = $1", [question.conversationId]);
  });
  return answer;
}

/** Asks and answers in one call (ctx_advisor, and the chat's JSON answer). */
export async function ask(
  deps: ChatDependencies,
  actor: { orgId: string; userId: string },
  input: { prompt: string; conversationId?: string; source: "web" | "mcp"; signal?: AbortSignal; onEvent?: (event: ChatEvent) => void },
): Promise<{ conversationId: string; answer: AgentAnswer }> {
  const question = await startQuestion(deps.db, actor, input);
  return { conversationId: question.conversationId, answer: await answerQuestion(deps, actor, question, input) };
}

/** The id of the caller's conversation `id` (404 when there is none). */
async function ownConversation(tx: Queryable, actor: { userId: string }, id: string): Promise<string> {
  const { rows } = await tx.query<{ id: string }>("select id from chat_conversations where id::text = $1 and user_id = $2 for update", [id, actor.userId]);
  if (!rows[0]) throw notFound("conversation");
  return rows[0].id;
}

/** The conversation's most recent messages (before `before`, if given), oldest first. */
async function historyOf(tx: Queryable, conversationId: string, before?: Date): Promise<Question["history"]> {
  const { rows } = await tx.query<{ role: "user" | "assistant"; content: string }>(
    `select role, content from (select role, content, created_at from chat_messages
       where conversation_id = $1 and ($2::timestamptz is null or created_at < $2) order by created_at desc limit $3) m
     order by created_at`,
    [conversationId, before ?? null, HISTORY_MESSAGES],
  );
  return rows;
}
