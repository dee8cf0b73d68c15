/**
 * graph_neighbors: the nodes around a package, service, image, API or owner, to a small
 * depth: what it depends on or uses (out), what depends on or uses it (in), each edge cited.
 * Direct dependencies come before peer, optional, build, dev and indirect ones, the
 * organisation's own packages first in each group; a cut list says how many it left out, by group.
 */
import { z } from "zod";
import { compareGroups, type GraphNode, NODE_KINDS } from "../../graph/index.js";
import { invalidInput } from "../../platform/errors.js";
import { fitItems } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

const input = z.object({
  node: z.string().min(1).max(600).describe("Name or key, e.g. @acme/ui or npm:@acme/ui."),
  direction: z.enum(["out", "in", "both"]).optional().describe("Default both."),
  depth: z.number().int().min(1).max(3).optional().describe("Default 1."),
  kinds: z.array(z.string().max(20)).max(15).optional().describe("Only these kinds, e.g. service, library, datastore."),
});

/** Most nodes sharing a name listed for the agent to pick from. */
const MAX_CHOICES = 10;

/** Where a node is declared, to tell nodes with one name apart: `repository:path`, or external. */
function placeOf(node: GraphNode): string {
  const d = node.declarations[0];
  return d ? `${d.repository.name}:${d.path}${node.declarations.length > 1 ? ` +${node.declarations.length - 1} more` : ""}` : "external";
}

/** One node as a choice: key, name, kind and where it is declared. */
const choiceOf = (node: GraphNode) => `${node.key} (${node.name}, ${node.kind}, ${placeOf(node)})`;

/** The tool. */
export const graphNeighborsTool: ToolDefinition<z.infer<typeof input>> = {
  name: "graph_neighbors",
  description:
    "Dependencies (out) and dependents (in) of a package, service, image or owner across repositories; edges read subject predicate object. Use for the impact of a change.",
  inputSchema: input,
  async run(ctx: ToolContext, args) {
    const unknown = args.kinds?.find((k) => !(NODE_KINDS as readonly string[]).includes(k) || k === "instruction" || k === "repository");
    if (unknown) throw invalidInput(`Unknown kind "${unknown}"; kinds: ${NODE_KINDS.join(", ")}.`, { fields: [{ path: "kinds", message: "unknown kind" }] });
    let key = args.node;
    // A key (`go:github.com/x/y`) is taken as it is; anything else, or a key-like name that is
    // no node (`junit:junit`), is resolved by its exact name across kinds and ecosystems.
    const named = /^[a-z]+:/.test(key) && (await nodeExists(ctx, key)) ? undefined : await ctx.graph.nodesNamed(ctx.scope, args.node);
    if (named && named.length === 1) key = named[0]!.key;
    else if (named && named.length > 1) {
      const shown = named.slice(0, MAX_CHOICES);
      return {
        text: [`${named.length} nodes are named "${args.node}"; call again with the key of the one you mean:`, ...shown.map((n) => `- ${choiceOf(n)}`)].join(
          "\n",
        ),
        structured: { root: "", reached: [], choices: shown.map((n) => n.key) },
      };
    } else if (named) {
      const { nodes } = await ctx.graph.listNodes(ctx.scope, { q: args.node, limit: MAX_CHOICES });
      return {
        text:
          nodes.length > 0
            ? `No node is named exactly "${args.node}"; names that contain it (pass one of these keys):\n${nodes.map((n) => `- ${choiceOf(n)}`).join("\n")}`
            : `No node named "${args.node}". Try get_context with a topic.`,
        structured: { root: "", reached: [], choices: nodes.map((n) => n.key) },
        unanswered: nodes.length === 0 ? args.node : undefined,
      };
    }
    const walk = await ctx.graph.neighbors(ctx.scope, { key, direction: args.direction ?? "both", depth: args.depth ?? 1, kinds: args.kinds, limit: 100 });
    const names = new Map([[key, walk.root.name], ...walk.reached.map((r) => [r.node.key, r.node.name] as const)]);
    const nameOf = (k: string) => names.get(k) ?? k;
    const items = walk.reached.map((r) => {
      const other = `${r.node.name} [${r.node.kind}${r.node.external ? ", external" : ""}${r.group === "direct" || r.group === r.via.predicate ? "" : `, ${r.group}`}] ${r.node.key}`;
      return {
        text: `${"  ".repeat(r.depth - 1)}- ${nameOf(r.via.subject)} ${r.via.predicate} ${nameOf(r.via.object)} (${r.via.direction}; ${other}) ${r.via.evidence.citation}`,
        data: {
          key: r.node.key,
          subject: r.via.subject,
          predicate: r.via.predicate,
          object: r.via.object,
          direction: r.via.direction,
          citation: r.via.evidence.citation,
        },
      };
    });
    const fitted = fitItems(items);
    // What was left out, by group: the walk's own count, and the lines the budget cut.
    const omitted = { ...walk.omitted.byGroup };
    for (const r of walk.reached.slice(fitted.data.length)) omitted[r.group] = (omitted[r.group] ?? 0) + 1;
    const left = Object.values(omitted).reduce((n, c) => n + c, 0);
    const header = `${walk.root.name} [${walk.root.kind}${walk.root.external ? ", external" : ""}] ${key}${walk.root.declarations[0] ? ` ${walk.root.declarations[0].citation}` : ""}`;
    const legend = fitted.text
      ? [
          "Each line reads subject predicate object, then (out: the node the walk came from is the subject, in: it is the object; the node reached) and the evidence. Direct before indirect, own packages first.",
        ]
      : [];
    const notes =
      left > 0
        ? [
            `…and ${left}${walk.omitted.atLeast ? "+" : ""} more: ${Object.entries(omitted)
              .sort(([a], [b]) => compareGroups(a, b))
              .map(([group, n]) => `${n} ${group}`)
              .join(", ")} (lower the depth, pick a direction or kinds).`,
          ]
        : walk.more
          ? ["More nodes than shown: lower the depth, pick a direction or kinds."]
          : [];
    return { text: [header, ...legend, fitted.text || "No edges.", ...notes].join("\n"), structured: { root: key, reached: fitted.data } };
  },
};

/** Whether `key` is a node of the org (declared, or at either end of an edge). */
async function nodeExists(ctx: ToolContext, key: string): Promise<boolean> {
  try {
    await ctx.graph.getNode(ctx.scope, key, 1);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === "not_found") return false;
    throw err;
  }
}
