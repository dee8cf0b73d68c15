/**
 * What every MCP tool receives: the database, the org scope of the request, and a helper
 * that reports repositories still indexing (so answers can say they may be incomplete).
 */
import type { Database } from "../../platform/db/database.js";
import type { TenantScope } from "../../platform/db/tenant.js";
import { listRepositories } from "../../repositories/index.js";

/** Runs the chat's agent loop for a caller (a conversation of source "mcp"). */
export type Advise = (
  scope: { orgId: string; userId: string },
  input: {
    prompt: string;
    conversationId?: string;
    signal?: AbortSignal;
    onEvent?: (event: { type: string; index?: number; toolCalls?: string[] }) => void;
  },
) => Promise<{
  conversationId: string;
  answer: { text: string; citations: { citation: string; verified: boolean; reason?: string }[]; sources: string[]; stopped?: string };
}>;

/** Per-request context of the tools. */
export interface ToolContext {
  db: Database;
  scope: TenantScope;
  /** Time budget of one search, in ms. */
  searchBudgetMs: number;
  /** The agent loop, when the process serves ctx_advisor. */
  advise?: Advise;
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
export async function indexingNote(ctx: ToolContext, options: { failed?: (name: string) => boolean } = {}): Promise<string> {
  const listed = await listRepositories(ctx.db, ctx.scope, { statuses: ["queued", "running", "failed"], limit: 20 });
  const rows = listed.filter((r) => r.status !== "failed" || (options.failed?.(r.name) ?? true));
  if (rows.length === 0) return "";
  const parts = rows.map((r) => `${r.name} (${r.status}${r.indexedCommit === null ? ", not searchable yet" : ", older index in use"})`);
  return `Note: ${parts.join(", ")}.`;
}
