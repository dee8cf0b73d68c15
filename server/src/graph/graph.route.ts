/**
 * REST: /api/v1/orgs/{orgSlug}/graph/* (nodes, a node, neighbours, impact, context) and
 * /api/v1/orgs/{orgSlug}/instructions: the organisation's knowledge graph, read-only, every
 * fact with its evidence.
 */
import { z } from "zod";
import { orgActorOf } from "../accounts/index.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { NODE_KINDS } from "./extractors/index.js";
import type { GraphReader } from "./index.js";

const orgParams = z.object({ orgSlug: z.string() });
const nodeKey = z
  .string()
  .min(3)
  .max(600)
  .regex(/^[a-z]+:/, "a node key such as npm:@acme/ui or service:<repositoryId>:api")
  .describe("A node key (from a listing)");
/** Kinds a listing can return (instructions are read through /instructions; repositories through /repositories). */
const LISTED_KINDS = NODE_KINDS.filter((k) => k !== "instruction" && k !== "repository");
const kinds = z
  .string()
  .max(300)
  .refine((s) => s.split(",").every((k) => (LISTED_KINDS as readonly string[]).includes(k.trim())), `must be comma-separated kinds: ${LISTED_KINDS.join(", ")}`)
  .optional()
  .describe(`Comma-separated kinds: ${LISTED_KINDS.join(", ")}`);
/** The kinds of a valid `kind` parameter. */
const kindList = (kind: string | undefined) => kind?.split(",").map((k) => k.trim());
const path = z.string().min(1).max(1024).describe("A repository-relative path");

const evidence = z.object({ repository: z.object({ id: z.string(), name: z.string() }), path: z.string(), line: z.number(), citation: z.string() });
const nodeRef = z.object({ key: z.string(), name: z.string(), kind: z.string(), external: z.boolean() });
const node = nodeRef.extend({ declarations: z.array(evidence.extend({ props: z.record(z.string(), z.unknown()) })) });
const reached = z.object({
  node: nodeRef,
  depth: z.number(),
  via: z
    .object({
      subject: z.string().describe("The key of the edge's subject: the edge reads subject predicate object"),
      predicate: z.string(),
      object: z.string().describe("The key of the edge's object"),
      direction: z.enum(["out", "in"]).describe("out: `from` is the subject; in: `from` is the object (the reached node is the subject)"),
      from: z.string().describe("The key of the node the walk came from"),
      evidence,
    })
    .describe("The edge that reached the node first"),
  group: z.string().describe("depends_on: direct, peer, optional, build, dev or indirect (from the declared scope); another edge: its predicate"),
});
const omitted = z
  .object({
    total: z.number(),
    byGroup: z.record(z.string(), z.number()),
    atLeast: z.boolean().describe("More were left out than counted"),
  })
  .describe("Reached nodes not returned, by group");
const instruction = z.object({
  text: z.string(),
  strength: z.string().nullable(),
  source: z.string(),
  section: z.string().nullable(),
  scope: z.string(),
  mode: z.enum(["always", "globs", "requested"]),
  matchedGlob: z.string().nullable(),
  description: z.string().nullable(),
  evidence,
});
const owners = z.object({ owners: z.array(z.string()), pattern: z.string(), evidence }).nullable();
const contextItem = z.object({ key: z.string(), kind: z.string(), name: z.string(), detail: z.string(), evidence });

/** Registers the graph routes. */
export function registerGraphRoutes(router: ApiRouter, graph: GraphReader): void {
  router
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/graph/nodes",
      summary: "List the graph's nodes: packages, services, APIs, images, owners, decisions",
      tags: ["Knowledge graph"],
      access: "org",
      fairShare: true,
      params: orgParams,
      query: z.object({
        q: z.string().max(200).optional().describe("Part of a node's name or key"),
        kind: kinds,
        repo: z.string().min(1).max(200).optional().describe("Only nodes declared in this repository (id or name)"),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        offset: z.coerce.number().int().min(0).max(10_000).default(0),
      }),
      responses: { 200: { description: "Nodes, exact name matches first", schema: z.object({ nodes: z.array(node), more: z.boolean() }) } },
      handler: async (c, { query }) =>
        c.json(
          await graph.listNodes(orgActorOf(c), {
            q: query.q,
            kinds: kindList(query.kind),
            repository: query.repo,
            limit: query.limit,
            offset: query.offset,
          }),
        ),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/graph/node",
      summary: "Read a node with its declarations and edges, each with its evidence",
      tags: ["Knowledge graph"],
      access: "org",
      fairShare: true,
      params: orgParams,
      query: z.object({ key: nodeKey }),
      responses: {
        200: {
          description: "The node",
          schema: node.extend({
            edges: z.array(
              z.object({
                subject: z.string().describe("The key of the edge's subject: the edge reads subject predicate object"),
                predicate: z.string(),
                object: z.string().describe("The key of the edge's object"),
                direction: z.enum(["out", "in"]).describe("out: this node is the subject; in: it is the object"),
                node: nodeRef,
                props: z.record(z.string(), z.unknown()),
                evidence,
              }),
            ),
            moreEdges: z.boolean(),
          }),
        },
        404: { description: "No such node in this organisation" },
      },
      handler: async (c, { query }) => c.json(await graph.getNode(orgActorOf(c), query.key)),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/graph/neighbors",
      summary: "Nodes within a few edges of a node",
      tags: ["Knowledge graph"],
      access: "org",
      fairShare: true,
      params: orgParams,
      query: z.object({
        key: nodeKey,
        direction: z.enum(["out", "in", "both"]).default("both").describe("out: what it depends on or uses; in: what depends on or uses it"),
        depth: z.coerce.number().int().min(1).max(4).default(1),
        kind: kinds,
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      responses: {
        200: {
          description: "Reached nodes, nearest first, direct dependencies before indirect ones and the organisation's own first, in tree order",
          schema: z.object({ root: node, reached: z.array(reached), more: z.boolean(), omitted }),
        },
      },
      handler: async (c, { query }) =>
        c.json(
          await graph.neighbors(orgActorOf(c), {
            key: query.key,
            direction: query.direction,
            depth: query.depth,
            kinds: kindList(query.kind),
            limit: query.limit,
          }),
        ),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/graph/impact",
      summary: "What depends on a node or uses it, transitively",
      tags: ["Knowledge graph"],
      access: "org",
      fairShare: true,
      params: orgParams,
      query: z.object({ key: nodeKey, depth: z.coerce.number().int().min(1).max(6).default(3), limit: z.coerce.number().int().min(1).max(200).default(100) }),
      responses: { 200: { description: "Dependents, nearest first", schema: z.object({ root: node, reached: z.array(reached), more: z.boolean(), omitted }) } },
      handler: async (c, { query }) => c.json(await graph.impact(orgActorOf(c), query)),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/graph/context",
      summary: "What the organisation knows about a topic, a repository or a path",
      tags: ["Knowledge graph"],
      access: "org",
      fairShare: true,
      params: orgParams,
      query: z
        .object({
          topic: z.string().trim().min(1).max(200).optional().describe("A name, a word or several (ranked by how many of its words match)"),
          repo: z.string().min(1).max(200).optional().describe("Repository id or name"),
          path: path.optional(),
        })
        .refine((q) => q.topic || q.repo, "give a topic, a repo, or both")
        .refine((q) => !q.path || q.repo, { message: "a path needs its repo", path: ["path"] }),
      responses: {
        200: {
          description: "Packages, APIs, runtime, decisions, instructions and owners",
          schema: z.object({
            packages: z.array(contextItem),
            apis: z.array(contextItem),
            runtime: z.array(contextItem),
            decisions: z.array(contextItem),
            instructions: z.array(instruction),
            owners,
            relations: z.array(z.object({ from: z.string(), predicate: z.string(), to: z.string(), evidence })),
          }),
        },
      },
      handler: async (c, { query }) => c.json(await graph.contextFor(orgActorOf(c), { topic: query.topic, repository: query.repo, path: query.path })),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/instructions",
      summary: "Every instruction that applies to a path, most specific first, and its owners",
      tags: ["Knowledge graph"],
      access: "org",
      fairShare: true,
      params: orgParams,
      query: z.object({ repo: z.string().min(1).max(200).describe("Repository id or name"), path, limit: z.coerce.number().int().min(1).max(200).default(50) }),
      responses: {
        200: {
          description: "Applicable rules with their scope and source",
          schema: z.object({
            repository: z.object({ id: z.string(), name: z.string() }),
            path: z.string(),
            instructions: z.array(instruction),
            more: z.boolean(),
            owners,
          }),
        },
      },
      handler: async (c, { query }) => c.json(await graph.instructionsFor(orgActorOf(c), { repository: query.repo, path: query.path, limit: query.limit })),
    });
}
