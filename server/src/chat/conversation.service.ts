/**
 * Conversations: a user's questions and the answers of the agent loop (or, without a model,
 * of the evidence answer), stored per organisation and user. A question is stored first (so
 * it survives a lost answer), then answered with the conversation's earlier messages; the
 * answer is stored with its checked citations, sources and tool calls, including what was
 * written before a stop. Regenerating takes back the last answer and answers its question again.
 */
import type { OrgActor } from "../accounts/index.js";
import type { Models } from "../models/index.js";
import type { Search } from "../search/index.js";
import type { Database } from "../platform/db/database.js";
import { isDatabaseUnavailable } from "../platform/db/db-errors.js";
import { type Queryable, withTenant } from "../platform/db/tenant.js";
import { conflict, notFound } from "../platform/errors.js";
import { type AgentAnswer, type AgentEvent, type AgentLimits, type AgentTool, runAgent } from "./agent-loop.js";
import { evidenceAnswer } from "./evidence-answer.js";

/** What the service needs. */
export interface ChatDependencies {
  db: Database;
  /** Reads indexed files, to check an answer's citations. */
  search: Pick<Search, "readFile">;
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
  /** When regenerating: the question's time; the answers after it are replaced when the new one is stored. */
  replacesAfter?: Date;
}

/**
 * Stores a question: in a new conversation (`conversationId` absent) or an existing one of the
 * caller's (404 otherwise). The question is kept even if its answer never comes.
 */
export async function startQuestion(
  deps: Pick<ChatDependencies, "db" | "limits">,
  actor: { orgId: string; userId: string },
  input: { prompt: string; conversationId?: string; source: "web" | "mcp" },
): Promise<Question> {
  return withTenant(deps.db, actor, async (tx) => {
    let conversationId: string;
    if (!input.conversationId) {
      const title = input.prompt.replace(/\s+/g, " ").trim().slice(0, 80) || "Question";
      const { rows } = await tx.query<{ id: string }>(
        "insert into chat_conversations (org_id, user_id, title, source, answering_until) values ($1, $2, $3, $4, now() + $5 * interval '1 millisecond') returning id",
        [actor.orgId, actor.userId, title, input.source, claimMs(deps.limits)],
      );
      conversationId = rows[0]!.id;
    } else {
      conversationId = await claimConversation(tx, actor, input.conversationId, deps.limits);
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
 * Readies a conversation's last question to be answered again; its earlier answer stays until
 * the new one is stored (404 when the conversation is not the caller's, 409 when it has no
 * question or an answer is being written).
 */
export async function retryLastQuestion(
  deps: Pick<ChatDependencies, "db" | "limits">,
  actor: { orgId: string; userId: string },
  id: string,
): Promise<Question> {
  return withTenant(deps.db, actor, async (tx) => {
    const conversationId = await claimConversation(tx, actor, id, deps.limits);
    const { rows } = await tx.query<{ content: string; created_at: Date }>(
      "select content, created_at from chat_messages where conversation_id = $1 and role = 'user' order by created_at desc limit 1",
      [conversationId],
    );
    if (!rows[0]) {
      await tx.query("update chat_conversations set answering_until = null where id = $1", [conversationId]);
      throw conflict("The conversation has no question to answer again.");
    }
    const history = await historyOf(tx, conversationId, rows[0].created_at);
    return { conversationId, prompt: rows[0].content, history, replacesAfter: rows[0].created_at };
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
  let answer: AgentAnswer;
  try {
    answer = await answerWith(deps, actor, question, options, tools, model);
  } catch (err) {
    await releaseClaim(db, actor, question.conversationId);
    throw err;
  }
  await withTenant(db, actor, async (tx) => {
    const { text, ...rest } = answer;
    // A conversation deleted while its answer was written takes the answer with it.
    const { rowCount } = await tx.query("update chat_conversations set updated_at = now(), answering_until = null where id = $1", [question.conversationId]);
    if (!rowCount) return;
    if (question.replacesAfter) {
      await tx.query("delete from chat_messages where conversation_id = $1 and role = 'assistant' and created_at > $2", [
        question.conversationId,
        question.replacesAfter,
      ]);
    }
    await tx.query(
      "insert into chat_messages (org_id, conversation_id, role, content, answer, created_at) values ($1, $2, 'assistant', $3, $4, clock_timestamp())",
      [actor.orgId, question.conversationId, text.slice(0, 100_000), JSON.stringify(rest)],
    );
  }).catch(async (err: unknown) => {
    // Not stored (the database went away meanwhile): the conversation is given back all the same.
    await releaseClaim(db, actor, question.conversationId);
    throw err;
  });
  return answer;
}

/** Attempts to give a conversation back after a failed answer while the database is unavailable (about 12 s in all). */
const RELEASE_ATTEMPTS = 7;

/**
 * Gives the conversation back after a failed answer, so that the question can be asked again
 * at once. The first attempt is awaited; when the database is unavailable (a failover, a
 * restart) it is tried again in the background with a growing pause, so the caller hears of
 * the failure without waiting. Otherwise the claim lapses by itself (claimMs).
 */
async function releaseClaim(db: Database, actor: { orgId: string; userId: string }, conversationId: string): Promise<void> {
  const release = () => withTenant(db, actor, (tx) => tx.query("update chat_conversations set answering_until = null where id = $1", [conversationId]));
  const retry = async (attempt: number): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, Math.min(4_000, 250 * 2 ** attempt)).unref());
    await release().catch((err: unknown) => (attempt + 1 < RELEASE_ATTEMPTS && isDatabaseUnavailable(err) ? retry(attempt + 1) : undefined));
  };
  await release().catch((err: unknown) => {
    if (isDatabaseUnavailable(err)) void retry(0);
  });
}

/** The loop's answer, or the evidence without a model. */
function answerWith(
  deps: ChatDependencies,
  actor: { orgId: string; userId: string },
  question: Question,
  options: { signal?: AbortSignal; onEvent?: (event: ChatEvent) => void },
  tools: AgentTool[],
  model: ReturnType<Models["languageModel"]>,
): Promise<AgentAnswer> {
  return model
    ? runAgent({
        readFile: deps.search.readFile,
        scope: actor,
        model,
        tools,
        prompt: question.prompt,
        history: question.history,
        limits: deps.limits,
        signal: options.signal,
        onEvent: options.onEvent,
      })
    : evidenceAnswer({ tools, prompt: question.prompt });
}

/** Asks and answers in one call (ctx_advisor, and the chat's JSON answer). */
export async function ask(
  deps: ChatDependencies,
  actor: { orgId: string; userId: string },
  input: { prompt: string; conversationId?: string; source: "web" | "mcp"; signal?: AbortSignal; onEvent?: (event: ChatEvent) => void },
): Promise<{ conversationId: string; answer: AgentAnswer }> {
  const question = await startQuestion(deps, actor, input);
  return { conversationId: question.conversationId, answer: await answerQuestion(deps, actor, question, input) };
}

/** How long a claim on a conversation lasts at most: the loop's time limit and a margin to store the answer. */
const claimMs = (limits: AgentLimits) => limits.timeoutMs + 30_000;

/**
 * Claims the caller's conversation `id` for one answer; answers its id.
 * @throws AppError not_found (not the caller's) or conflict (an answer is being written).
 */
async function claimConversation(tx: Queryable, actor: { userId: string }, id: string, limits: AgentLimits): Promise<string> {
  const { rows } = await tx.query<{ id: string; busy: boolean }>(
    "select id, coalesce(answering_until > now(), false) as busy from chat_conversations where id::text = $1 and user_id = $2 for update",
    [id, actor.userId],
  );
  if (!rows[0]) throw notFound("conversation");
  if (rows[0].busy) throw conflict("An answer is being written in this conversation; stop it or wait for it to finish.");
  await tx.query("update chat_conversations set answering_until = now() + $2 * interval '1 millisecond' where id = $1", [rows[0].id, claimMs(limits)]);
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
