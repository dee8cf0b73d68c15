/**
 * list_repositories: the organisation's repositories with status, indexed commit and age,
 * languages and size.
 */
import { z } from "zod";
import { fitItems } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

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
  async run(ctx: ToolContext) {
    const rows = await ctx.repositories.list(ctx.scope, { limit: 500 });
    const repositories = rows.map((r) => ({
      name: r.name,
      status: r.status,
      commit: r.indexedCommit,
      indexedAt: r.indexedAt,
      files: r.fileCount,
      bytes: r.byteCount,
      languages: Object.entries(r.languages)
        .sort((a, b) => b[1] - a[1])
        .map(([l]) => l)
        .slice(0, 5),
    }));
    const fitted = fitItems(
      repositories.map((r) => ({
        text: `${r.name}  ${r.status}  ${r.commit ? r.commit.slice(0, 12) : "-"}  ${age(r.indexedAt ? new Date(r.indexedAt) : null)}  ${r.files} files  ${(r.bytes / 1e6).toFixed(1)} MB  ${r.languages.join(", ")}`,
        data: r,
      })),
    );
    const notes = fitted.truncated ? [`Showing ${fitted.data.length} of ${repositories.length} repositories; search_code with repo: reaches every one.`] : [];
    return {
      text: [fitted.text || "No repositories yet. An admin can add them in the web app or with POST /api/v1/orgs/{org}/repositories.", ...notes].join("\n"),
      structured: { repositories: fitted.data },
    };
  },
};
