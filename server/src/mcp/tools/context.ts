/**
 * What every MCP tool receives: the capabilities' service objects (never the database), the
 * org scope of the request, and a helper that reports repositories still indexing (so answers
 * can say they may be incomplete).
 */
import type { Documents } from "../../documents/index.js";
import type { GraphReader } from "../../graph/index.js";
import type { Repositories } from "../../repositories/index.js";
import type { Search } from "../../search/index.js";

/** Runs the chat's agent loop for a caller (a conversation of source "mcp"). */
export type Advise = (
  scope: { orgId: string; userId: string },
  input: {
    prompt: string;
    conversationId?: string;
    source: "mcp";
    signal?: AbortSignal;
    onEvent?: (event: { type: string; index?: number; toolCalls?: string[] }) => void;
  },
) => Promise<{
  conversationId: string;
  /** `steps`: the model's steps; 0 for the ranked evidence answered without a model. */
  answer: { text: string; citations: { citation: string; verified: boolean; reason?: string }[]; sources: string[]; stopped?: string; steps?: number };
}>;

/** The services the tools call, built once per process by the capabilities that own them. */
export interface ToolServices {
  search: Omit<Search, "registerRoutes">;
  documents: Pick<Documents, "search" | "read">;
  graph: GraphReader;
  repositories: Pick<Repositories, "list">;
  /** Time budget of one search_code call, in ms. */
  searchBudgetMs: number;
  /** The agent loop, when the process serves ctx_advisor. */
  advise?: Advise;
}

/** The organisation (and user) a request acts for. */
export interface ToolScope {
  orgId: string;
  userId?: string;
}

/** Per-request context of the tools. */
export interface ToolContext extends ToolServices {
  scope: ToolScope;
  /** Reports progress to the client (set when the call carries a progress token). */
  progress?: (progress: number, message: string) => Promise<void>;
  /** Aborts when the client cancels the call (notifications/cancelled) or goes away. */
  signal?: AbortSignal;
}

/**
 * A one-line note about repositories not (yet) searchable or being re-indexed, or "".
 * `failed` picks the failed repositories worth naming (default: all): a tool answering a
 * question they could not have been part of leaves them out.
 */
export async function indexingNote(
  ctx: ToolContext,
  options: { failed?: (name: string) => boolean; listed?: { name: string; status: string; indexedCommit: string | null }[] } = {},
): Promise<string> {
  // A search lists them in its own snapshot (no transaction of their own); others ask here.
  const listed = options.listed ?? (await ctx.repositories.list(ctx.scope, { statuses: ["queued", "running", "failed"], limit: 20 }));
  const rows = listed.filter((r) => r.status !== "failed" || (options.failed?.(r.name) ?? true));
  if (rows.length === 0) return "";
  const parts = rows.map((r) => `${r.name} (${r.status}${r.indexedCommit === null ? ", not searchable yet" : ", older index in use"})`);
  return `Note: ${parts.join(", ")}.`;
}
