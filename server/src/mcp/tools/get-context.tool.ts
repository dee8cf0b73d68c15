/**
 * get_context: what the organisation knows about a topic, a repository or a path: packages
 * and services (with dependencies and dependents), APIs, runtime, decisions, owners and the
 * instructions that apply, and for a topic the documents (Confluence pages) about it, each
 * cited.
 */
import { z } from "zod";
import { emptyQuery, type SearchQuery } from "../../search/index.js";
import { invalidInput } from "../../platform/errors.js";
import { clip, fitLines } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

const input = z.object({
  topic: z.string().min(1).max(200).optional().describe("A name or word, e.g. billing or @acme/ui."),
  repo: z.string().min(1).max(200).optional().describe("Repository name or id."),
  path: z.string().min(1).max(1024).optional().describe("A path in repo."),
});

/** The tool. */
export const getContextTool: ToolDefinition<z.infer<typeof input>> = {
  name: "get_context",
  description: "What the organisation knows about a topic, repo or path: packages, services, dependencies, APIs, decisions, owners, rules.",
  inputSchema: input,
  outputSchema: z.object({ citations: z.array(z.string()) }),
  async run(ctx: ToolContext, args) {
    if (!args.topic?.trim() && !args.repo)
      throw invalidInput("Give a topic, a repo, or both.", { fields: [{ path: "topic", message: "required without repo" }] });
    if (args.path && !args.repo) throw invalidInput("A path needs its repo.", { fields: [{ path: "repo", message: "required with path" }] });
    const found = await ctx.graph.contextFor(ctx.scope, { topic: args.topic, repository: args.repo, path: args.path });
    const lines: string[] = [];
    const citations: string[] = [];
    const section = (title: string, items: { name: string; kind: string; detail: string; evidence: { citation: string } }[]) => {
      if (items.length === 0) return;
      lines.push(`## ${title}`);
      for (const i of items) {
        lines.push(`- ${i.name} (${i.kind}) ${clip(i.detail, 300)} ${i.evidence.citation}`);
        citations.push(i.evidence.citation);
      }
    };
    if (found.owners) lines.push(`Owners: ${found.owners.owners.join(" ") || "(unowned)"} ${found.owners.evidence.citation}`);
    section("Packages", found.packages);
    if (found.relations.length > 0) {
      lines.push("## Relations");
      for (const r of found.relations) lines.push(`- ${r.from} ${r.predicate} ${r.to} ${r.evidence.citation}`);
    }
    section("APIs", found.apis);
    section("Runtime", found.runtime);
    section("Decisions", found.decisions);
    if (found.instructions.length > 0) {
      lines.push("## Instructions");
      for (const r of found.instructions) {
        lines.push(`- [${r.strength ?? "note"}] ${clip(r.text, 300)} ${r.evidence.citation}`);
        citations.push(r.evidence.citation);
      }
    }
    // Documents about the topic: the three best, by title first (the topic is one phrase). An
    // extra: when it cannot run (a topic too short to search, a timeout), the rest still answers.
    const topic = args.topic?.trim();
    if (topic) {
      const query: SearchQuery = { ...emptyQuery(), type: "doc", groups: [[{ kind: "literal", value: topic, negated: false }]] };
      const docs = await ctx.documents.search(ctx.scope, query, 3).catch(() => ({ documents: [] }));
      if (docs.documents.length > 0) {
        lines.push("## Documents");
        for (const d of docs.documents) {
          lines.push(`- ${d.title} [${d.space.key}] (read_doc ${d.id}) ${d.citation}`);
          citations.push(d.citation);
        }
      }
    }
    const fitted = fitLines(lines);
    const empty = `Nothing known about ${args.topic ? `"${args.topic}"` : args.repo}${args.path ? `:${args.path}` : ""} yet. Try search_code, or another name.`;
    return {
      text: [fitted.text || empty, fitted.truncated ? "Output cut to fit the budget; narrow with repo or path." : ""].filter(Boolean).join("\n"),
      structured: { citations: citations.slice(0, 100) },
      unanswered: lines.length === 0 ? (args.topic ?? args.path) : undefined,
    };
  },
};
