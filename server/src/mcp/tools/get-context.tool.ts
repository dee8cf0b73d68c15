/**
 * get_context: what the organisation knows about a topic, a repository or a path: packages
 * and services (with dependencies and dependents), APIs, runtime, decisions, owners and the
 * instructions that apply, and for a topic the documents (Confluence pages) about it, each
 * cited. A topic of several words is ranked by them (graph topic-terms.ts): the items that
 * match most of its words come first.
 */
import { z } from "zod";
import { topicTerms } from "../../graph/index.js";
import { emptyQuery, type SearchQuery } from "../../search/index.js";
import { invalidInput } from "../../platform/errors.js";
import { clip, fitLines } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

/** Documents a topic's words are looked up in before the best three are kept. */
const DOC_CANDIDATES = 10;
/** Most of a topic's words a document search takes. */
const MAX_DOC_TERMS = 6;

const input = z.object({
  topic: z.string().min(1).max(200).optional().describe("Names or words, e.g. billing, @acme/ui, docker compose deployment."),
  repo: z.string().min(1).max(200).optional().describe("Repository name or id."),
  path: z.string().min(1).max(1024).optional().describe("A path in repo."),
});

/** The tool. */
export const getContextTool: ToolDefinition<z.infer<typeof input>> = {
  name: "get_context",
  description: "What the organisation knows about a topic, repo or path: packages, services, dependencies, APIs, decisions, owners, rules.",
  inputSchema: input,
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
    // Documents about the topic: those containing any of its words (three letters or more, as
    // the document search needs), the three that contain the most of them first, in the title
    // counting double. An extra: when it cannot run (no such word, a timeout), the rest still answers.
    const topic = args.topic?.trim();
    const terms = topic ? [...new Set(topicTerms(topic).map((w) => w.term))].filter((t) => t.length >= 3).slice(0, MAX_DOC_TERMS) : [];
    if (terms.length > 0) {
      const query: SearchQuery = { ...emptyQuery(), type: "doc", groups: terms.map((t) => [{ kind: "literal", value: t, negated: false }]) };
      const found = await ctx.documents.search(ctx.scope, query, DOC_CANDIDATES).catch(() => ({ documents: [] }));
      const docs = found.documents
        .map((d, order) => {
          const title = d.title.toLowerCase();
          const body = d.lines.map((l) => l.text.toLowerCase()).join("\n");
          const score = terms.reduce((n, t) => n + (title.includes(t) ? 2 : 0) + (body.includes(t) ? 1 : 0), 0);
          return { d, order, score };
        })
        .sort((a, b) => b.score - a.score || a.order - b.order)
        .slice(0, 3)
        .map((s) => s.d);
      if (docs.length > 0) {
        lines.push("## Documents");
        for (const d of docs) {
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
