/**
 * What every MCP tool receives: the database, the org scope of the request, and a helper
 * that reports repositories still indexing (so answers can say they may be incomplete).
 */
import type { Database } from "../../platform/db/database.js";
import type { TenantScope } from "../../platform/db/tenant.js";
import { listRepositories } from "../../repositories/index.js";

/** Per-request context of the tools. */
export interface ToolContext {
  db: Database;
  scope: TenantScope;
  /** Time budget of one search, in ms. */
  searchBudgetMs: number;
}

/** A one-line note about repositories not (yet) searchable or being re-indexed, or "". */
export async function indexingNote(ctx: ToolContext): Promise<string> {
  const rows = await listRepositories(ctx.db, ctx.scope, { statuses: ["queued", "running", "failed"], limit: 20 });
  if (rows.length === 0) return "";
  const parts = rows.map((r) => `${r.name} (${r.status}${r.indexedCommit === null ? ", not searchable yet" : ", older index in use"})`);
  return `Note: ${parts.join(", ")}.`;
}
