/**
 * graph_neighbors: the nodes around a package, service, image, API or owner, to a small
 * depth: what it depends on or uses (out), what depends on or uses it (in), each edge cited.
 */
import { z } from "zod";
import { listNodes, NODE_KINDS, neighbors } from "../../graph/index.js";
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

/** The tool. */
export const graphNeighborsTool: ToolDefinition<z.infer<typeof input>> = {
  name: "graph_neighbors",
  description: "Dependencies (out) and dependents (in) of a package, service, image or owner across repositories. Use for the impact of a change.",
  inputSchema: input,
  outputSchema: z.object({ root: z.string(), reached: z.array(z.object({ key: z.string(), citation: z.string() })) }),
  async run(ctx: ToolContext, args) {
    const unknown = args.kinds?.find((k) => !(NODE_KINDS as readonly string[]).includes(k) || k === "instruction" || k === "repository");
    if (unknown) throw invalidInput(`Unknown kind "${unknown}"; kinds: ${NODE_KINDS.join(", ")}.`, { fields: [{ path: "kinds", message: "unknown kind" }] });
    let key = args.node;
    if (!/^[a-z]+:/.test(key)) {
      const { nodes } = await listNodes(ctx.db, ctx.scope, { q: args.node, limit: 10 });
      const exact = nodes.filter((n) => n.name.toLowerCase() === args.node.toLowerCase());
      if (exact.length !== 1) {
        const options = (exact.length > 1 ? exact : nodes).map((n) => `${n.key} (${n.kind}, ${n.name})`);
        return {
          text:
            options.length > 0
              ? `"${args.node}" is ambiguous or inexact; pass one of these keys:\n${options.join("\n")}`
              : `No node named "${args.node}". Try get_context with a topic.`,
          structured: { root: "", reached: [] },
          unanswered: options.length === 0 ? args.node : undefined,
        };
      }
      key = exact[0]!.key;
    }
    const walk = await neighbors(ctx.db, ctx.scope, { key, direction: args.direction ?? "both", depth: args.depth ?? 1, kinds: args.kinds, limit: 100 });
    const fitted = fitItems(
      walk.reached.map((r) => {
        return {
          text: `${"  ".repeat(r.depth - 1)}- ${r.via.predicate} ${r.node.name} [${r.node.kind}${r.node.external ? ", external" : ""}] ${r.node.key} ${r.via.evidence.citation}`,
          data: { key: r.node.key, citation: r.via.evidence.citation },
        };
      }),
    );
    const header = `${walk.root.name} [${walk.root.kind}] ${key}${walk.root.declarations[0] ? ` ${walk.root.declarations[0].citation}` : ""}`;
    const notes = fitted.truncated || walk.more ? ["More nodes than shown: lower depth, pick a direction or kinds."] : [];
    return { text: [header, fitted.text || "No edges.", ...notes].join("\n"), structured: { root: key, reached: fitted.data } };
  },
};
