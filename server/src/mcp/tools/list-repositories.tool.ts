/**
 * list_repositories: the organisation's repositories with status, indexed commit and age,
 * languages and size.
 */
import { z } from "zod";
import { withTenant } from "../../platform/db/tenant.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

const repoSchema = z.object({
  name: z.string(),
  status: z.string(),
  commit: z.string().nullable(),
  indexedAt: z.string().nullable(),
  files: z.number(),
  bytes: z.number(),
  languages: z.array(z.string()),
});

function age(date: Date | null): string {
  if (!date) return "never indexed";
  const minutes = Math.round((Date.now() - date.getTime()) / 60_000);
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return `${Math.round(minutes / 1440)} days ago`;
}

/** The tool. */
export const listRepositoriesTool: ToolDefinition<Record<string, never>> = {
  name: "list_repositories",
  description: "List the organisation's code repositories with index status, commit, age, languages and size. Call first to learn repo names.",
  inputSchema: z.object({}),
  outputSchema: z.object({ repositories: z.array(repoSchema) }),
  async run(ctx: ToolContext) {
    const rows = await withTenant(ctx.db, ctx.scope, async (tx) =>
      (
        await tx.query<{ name: string; status: string; indexed_commit: string | null; indexed_at: Date | null; file_count: number; byte_count: string; languages: Record<string, number> }>(
          "select name, status, indexed_commit, indexed_at, file_count, byte_count, languages from repositories order by name limit 500",
        )
      ).rows,
    );
    const repositories = rows.map((r) => ({
      name: r.name,
      status: r.status,
      commit: r.indexed_commit,
      indexedAt: r.indexed_at?.toISOString() ?? null,
      files: r.file_count,
      bytes: Number(r.byte_count),
      languages: Object.entries(r.languages).sort((a, b) => b[1] - a[1]).map(([l]) => l).slice(0, 5),
    }));
    const lines = repositories.map(
      (r, i) =>
        `${r.name}  ${r.status}  ${r.commit ? r.commit.slice(0, 12) : "-"}  ${age(rows[i]!.indexed_at)}  ${r.files} files  ${(r.bytes / 1e6).toFixed(1)} MB  ${r.languages.join(", ")}`,
    );
    return { text: lines.length ? lines.join("\n") : "No repositories yet. An admin can add them in the web app or with POST /api/v1/orgs/{org}/repositories.", structured: { repositories } };
  },
};
