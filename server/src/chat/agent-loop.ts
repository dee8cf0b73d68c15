/**
 * The agent loop the web chat and `ctx_advisor` share: a model answers a question with
 * ctxpipe's own tools (the services the MCP tools call, bound to the caller's organisation),
 * within limits on steps, output tokens and time. The model's answer is streamed: text,
 * tool calls and finished steps are reported as they happen (the chat's SSE, MCP progress). Every citation of the answer is checked
 * against the index; the sources the tools returned are listed even when the model cites
 * none. Provider failures become a sentence, never a stack trace, the URL or the key.
 */
import { APICallError, type LanguageModel, RetryError, stepCountIs, streamText, tool, type ToolSet } from "ai";
import type { z } from "zod";
import type { TenantScope } from "../platform/db/tenant.js";
import { isAppError } from "../platform/errors.js";
import { type CheckedCitation, checkCitations, type FileReader, findCitations } from "./citation-check.js";

/** A tool the agent may call, already bound to the caller's organisation. */
export interface AgentTool {
  name: string;
  description: string;
  inputSchema: z.ZodType;
  /** The tool's text, and its structured content if it has one. */
  run(input: unknown): Promise<{ text: string; structured?: unknown }>;
}

/** The loop's limits (configuration: CTXPIPE_CHAT_*). */
export interface AgentLimits {
  maxSteps: number;
  /** Input tokens of all the model calls of one answer, as the provider counts them. */
  maxInputTokens: number;
  maxOutputTokens: number;
  timeoutMs: number;
}

/** One tool call the loop made. */
export interface AgentToolCall {
  name: string;
  input: unknown;
  ok: boolean;
}

/** What the loop reports while it works. */
export type AgentEvent = { type: "text"; text: string } | { type: "tool"; call: AgentToolCall } | { type: "step"; index: number; toolCalls: string[] };

/** What the loop answers. */
export interface AgentAnswer {
  text: string;
  /** The answer's citations, each checked against the index. */
  citations: CheckedCitation[];
  /** Citations the tools returned (what the answer rests on), in the order seen. */
  sources: string[];
  toolCalls: AgentToolCall[];
  steps: number;
  /** Why the loop ended early, if it did; the text says so too. */
  stopped?: "steps" | "tokens" | "time" | "cancelled" | "provider";
}

/** Most sources kept per answer. */
const MAX_SOURCES = 50;

const SYSTEM = [
  "You answer questions about this organisation's code with the tools provided: search the code, read files,",
  "find symbols and references, and ask the knowledge graph for packages, dependencies, owners, decisions and",
  "instructions. Look before you answer; do not guess. Cite every claim about code as repo@commit:path:line",
  "exactly as the tools print it. Be brief.",
].join(" ");

/** A provider failure as a sentence (no URL, no key, no provider message that might echo either). */
export function providerProblem(err: unknown): string {
  const cause = RetryError.isInstance(err) ? err.lastError : err;
  if (APICallError.isInstance(cause)) {
    const status = cause.statusCode ?? 0;
    if (status === 401 || status === 403) return "The model provider refused the API key (MODEL_PROVIDER_API_KEY).";
    if (status === 404) return "The model provider does not know the configured model or URL (MODEL_*_NAME, MODEL_PROVIDER_URL).";
    if (status === 429) return "The model provider is rate-limiting requests; try again shortly.";
    if (status >= 500) return `The model provider failed (HTTP ${status}); try again later.`;
    if (status > 0) return `The model provider refused the request (HTTP ${status}).`;
  }
  return "The model provider could not be reached.";
}

/** The input tokens the provider counted over `steps`. */
function inputTokensOf(steps: readonly { usage: { inputTokens?: number } }[]): number {
  return steps.reduce((sum, step) => sum + (step.usage.inputTokens ?? 0), 0);
}

/**
 * The most recent of `history` whose text fits about `tokens` tokens (4 characters each),
 * oldest first, starting with a question (providers expect the user to speak first).
 */
export function recentHistory<T extends { role: string; content: string }>(history: T[], tokens: number): T[] {
  let chars = tokens * 4;
  const kept: T[] = [];
  for (let i = history.length - 1; i >= 0; i--) {
    chars -= history[i]!.content.length;
    if (chars < 0) break;
    kept.unshift(history[i]!);
  }
  while (kept[0] && kept[0].role !== "user") kept.shift();
  return kept;
}

/** Runs the loop for `prompt` (after earlier `history`, oldest first). */
export async function runAgent(input: {
  /** Reads indexed files, to check the answer's citations (the search capability's `readFile`). */
  readFile: FileReader;
  scope: TenantScope;
  model: LanguageModel;
  tools: AgentTool[];
  prompt: string;
  history?: { role: "user" | "assistant"; content: string }[];
  limits: AgentLimits;
  signal?: AbortSignal;
  /** Called with each piece of text, tool call and finished step, in order. */
  onEvent?: (event: AgentEvent) => void;
}): Promise<AgentAnswer> {
  const toolCalls: AgentToolCall[] = [];
  const sources: string[] = [];
  const emit = (event: AgentEvent) => {
    try {
      input.onEvent?.(event);
    } catch {
      // A listener's failure (a closed stream) must not end the loop.
    }
  };
  const addSources = (text: string) => {
    for (const citation of sourcesIn(text)) if (sources.length < MAX_SOURCES && !sources.includes(citation)) sources.push(citation);
  };
  const tools: ToolSet = {};
  for (const t of input.tools) {
    tools[t.name] = tool({
      description: t.description,
      inputSchema: t.inputSchema,
      execute: async (args: unknown) => {
        const record = (ok: boolean) => {
          const call = { name: t.name, input: args, ok };
          toolCalls.push(call);
          emit({ type: "tool", call });
        };
        try {
          const { text } = await t.run(args);
          record(true);
          addSources(text);
          return text;
        } catch (err) {
          record(false);
          return `Error: ${isAppError(err) && err.expose ? err.message : "the tool failed; try another."}`;
        }
      },
    });
  }
  const timeout = AbortSignal.timeout(input.limits.timeoutMs);
  const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;
  let steps = 0;
  let text = "";
  let stepText = "";
  let stepStart = 0;
  let inputTokens = 0;
  let failure: unknown;
  let lastFinish: string | undefined;
  let stopped: AgentAnswer["stopped"];
  try {
    const result = streamText({
      model: input.model,
      system: SYSTEM,
      messages: [...recentHistory(input.history ?? [], input.limits.maxInputTokens / 4), { role: "user" as const, content: input.prompt }],
      tools,
      stopWhen: [stepCountIs(input.limits.maxSteps), ({ steps }) => inputTokensOf(steps) >= input.limits.maxInputTokens],
      maxOutputTokens: input.limits.maxOutputTokens,
      maxRetries: 1,
      abortSignal: signal,
      // Errors arrive as stream parts below; the default handler would print them.
      onError: () => {},
    });
    for await (const part of result.stream) {
      if (part.type === "text-delta") {
        // Text of a later step starts a new paragraph.
        const piece = stepText === "" && text !== "" ? `\n\n${part.text}` : part.text;
        stepText += part.text;
        text += piece;
        emit({ type: "text", text: piece });
      } else if (part.type === "finish-step") {
        steps++;
        stepText = "";
        lastFinish = part.finishReason;
        inputTokens += part.usage.inputTokens ?? 0;
        emit({ type: "step", index: steps, toolCalls: toolCalls.slice(stepStart).map((c) => c.name) });
        stepStart = toolCalls.length;
      } else if (part.type === "error") {
        failure = part.error;
      }
    }
  } catch (err) {
    failure = err;
  }
  if (input.signal?.aborted) {
    stopped = "cancelled";
    text = text ? `${text}\n\n(Stopped.)` : "Stopped.";
  } else if (timeout.aborted) {
    stopped = "time";
    text = `${text ? `${text}\n\n` : ""}I stopped at the time limit (${Math.round(input.limits.timeoutMs / 1000)} s); the sources below are what I found so far.`;
  } else if (failure !== undefined) {
    stopped = "provider";
    text = `${text ? `${text}\n\n` : ""}${providerProblem(failure)}`;
  } else if (lastFinish === "tool-calls" && inputTokens >= input.limits.maxInputTokens) {
    stopped = "tokens";
    text = `${text ? `${text}\n\n` : ""}I stopped at the limit of ${input.limits.maxInputTokens} input tokens before finishing; the sources below are what I found so far.`;
  } else if (lastFinish === "tool-calls" && steps >= input.limits.maxSteps) {
    stopped = "steps";
    text = `${text ? `${text}\n\n` : ""}I stopped after ${input.limits.maxSteps} steps (the limit) before finishing; the sources below are what I found so far.`;
  } else if (lastFinish === "length") {
    stopped = "tokens";
    text = `${text}\n\n(The answer reached the limit of ${input.limits.maxOutputTokens} output tokens and was cut.)`;
  }
  const citations = stopped === "provider" ? [] : await checkCitations(input.readFile, input.scope, text);
  return { text, citations, sources, toolCalls, steps, stopped };
}

/**
 * The citations a tool's text holds: full ones (`repo@commit:path:line`), and search results'
 * file headers (`repo@commit:path`) completed with their first listed line (`  12: …`).
 */
export function sourcesIn(text: string): string[] {
  const out = findCitations(text).map((c) => c.citation);
  let header: string | undefined;
  for (const line of text.split("\n")) {
    const trimmed = line.trimEnd();
    if (!line.startsWith(" ") && findCitations(`${trimmed.split(" ")[0]}:1`).length === 1 && !/:\d+(-\d+)?$/.test(trimmed.split(" ")[0]!)) {
      header = trimmed.split(" ")[0];
      continue;
    }
    const listed = /^\s+(\d{1,9}):/.exec(line);
    if (header && listed) {
      out.push(`${header}:${listed[1]}`);
      header = undefined;
    }
  }
  return [...new Set(out)];
}
