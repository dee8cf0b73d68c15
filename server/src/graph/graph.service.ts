/**
 * Reading the knowledge graph: nodes (search by name, filter by kind or repository), one node
 * with its declarations, edges and evidence, its neighbours to a bounded depth, and impact
 * (what depends on it, transitively). Every answer is bounded and every fact cites its source.
 */
import type { Database } from "../platform/db/database.js";
import type { Queryable, TenantScope } from "../platform/db/tenant.js";
import { notFound } from "../platform/errors.js";
import { cargoKey, eventKey, goKey, imageKey, npmKey, ownerKey, pypiKey } from "./extractors/graph-keys.js";
import {
  EFFECTIVE_KIND_SQL,
  type Evidence,
  evidenceOf,
  FACT_COLUMNS,
  FACT_REPOSITORY_JOIN,
  type FactRow,
  nameOfKey,
  readGraph,
  repositoryRef,
  typeOfKey,
} from "./graph-read.js";

/** A node as listed. */
export interface GraphNode {
  key: string;
  name: string;
  /** The effective kind: service, app, library, container, image, datastore, api, owner, … */
  kind: string;
  /** Declared in no indexed file (a third-party package, an image pulled from a registry). */
  external: boolean;
  /** Where it is declared (a shared key may be declared in several repositories). */
  declarations: (Evidence & { props: Record<string, unknown> })[];
}

/**
 * An edge as shown from one node. It reads `subject predicate object` in the stored
 * direction: `direction` is "out" when the shown node is the subject, "in" when it is the object.
 */
export interface GraphEdge {
  /** The key of the edge's subject (`@acme/web` in `@acme/web depends_on @acme/ui`). */
  subject: string;
  predicate: string;
  /** The key of the edge's object. */
  object: string;
  direction: "out" | "in";
  node: { key: string; name: string; kind: string; external: boolean };
  props: Record<string, unknown>;
  evidence: Evidence;
}

/** Predicates that are not edges between nodes (rule lists, operation labels). */
const NOT_EDGES = ["is", "owner_rule", "operation"];
/** Most nodes a name search considers (through the trigram index) before ranking. */
const MAX_SEARCH_CANDIDATES = 5_000;
/** Most edges read per level of a walk. */
const MAX_LEVEL_EDGES = 5_000;
/** Most declarations shown per node. */
const MAX_DECLARATIONS = 20;

interface DeclarationRow extends FactRow {
  kind: string;
}

async function declarations(tx: Queryable, keys: string[]): Promise<Map<string, DeclarationRow[]>> {
  if (keys.length === 0) return new Map();
  const { rows } = await tx.query<DeclarationRow>(
    `select ${FACT_COLUMNS}, ${EFFECTIVE_KIND_SQL} as kind
     from graph_facts f ${FACT_REPOSITORY_JOIN}
     where f.subject = any($1::text[]) and f.predicate = 'is'
     order by f.subject, r.name, f.source_path, f.line`,
    [keys],
  );
  const out = new Map<string, DeclarationRow[]>();
  for (const row of rows) (out.get(row.subject) ?? out.set(row.subject, []).get(row.subject)!).push(row);
  return out;
}

function nodeOf(key: string, decls: DeclarationRow[] | undefined): GraphNode {
  const first = decls?.[0];
  return {
    key,
    name: typeof first?.props.name === "string" ? first.props.name : nameOfKey(key),
    kind: first?.kind ?? (typeOfKey(key) === "image" ? "image" : typeOfKey(key) === "event" ? "event" : "package"),
    external: !first,
    declarations: (decls ?? []).slice(0, MAX_DECLARATIONS).map((d) => ({ ...evidenceOf(d), props: d.props })),
  };
}

/** Lists nodes declared in the org's indexed files. */
export async function listNodes(
  db: Database,
  scope: TenantScope,
  input: { q?: string; kinds?: string[]; repository?: string; limit: number; offset?: number },
): Promise<{ nodes: GraphNode[]; more: boolean }> {
  return readGraph(db, scope, async (tx) => {
    const repo = input.repository ? await repositoryRef(tx, input.repository) : undefined;
    const { rows } = await tx.query<{ subject: string }>(
      `select f.subject from graph_facts f ${FACT_REPOSITORY_JOIN}
       where f.predicate = 'is' and f.object <> 'instruction'
         and ($1::text is null or f.subject in (select s.subject from ctxpipe_search_graph_nodes('%' || lower($1) || '%', ${MAX_SEARCH_CANDIDATES}) s))
         and ($2::text[] is null or f.object = any($2) or ${EFFECTIVE_KIND_SQL} = any($2))
         and ($3::uuid is null or f.repository_id = $3)
       group by f.subject
       order by min(case when lower(coalesce(f.props ->> 'name', '')) = lower(coalesce($1, '')) then 0 else 1 end), min(f.props ->> 'name'), f.subject
       limit $4 offset $5`,
      [input.q?.replace(/[\\%_]/g, "\\$&") || null, input.kinds?.length ? input.kinds : null, repo?.id ?? null, input.limit + 1, input.offset ?? 0],
    );
    const keys = rows.slice(0, input.limit).map((r) => r.subject);
    const decls = await declarations(tx, keys);
    return { nodes: keys.map((k) => nodeOf(k, decls.get(k))), more: rows.length > input.limit };
  });
}

/** One node: its declarations and edges (each with evidence), at most `edgeLimit` each way. */
export async function getNode(db: Database, scope: TenantScope, key: string, edgeLimit = 100): Promise<GraphNode & { edges: GraphEdge[]; moreEdges: boolean }> {
  return readGraph(db, scope, async (tx) => {
    const own = await declarations(tx, [key]);
    const { rows } = await tx.query<FactRow & { direction: "out" | "in" }>(
      `(select ${FACT_COLUMNS}, 'out' as direction from graph_facts f ${FACT_REPOSITORY_JOIN}
        where f.subject = $1 and f.predicate <> all($2::text[]) order by f.predicate, f.object limit $3)
       union all
       (select ${FACT_COLUMNS}, 'in' as direction from graph_facts f ${FACT_REPOSITORY_JOIN}
        where f.object = $1 and f.predicate <> all($2::text[]) order by f.predicate, f.subject limit $3)`,
      [key, NOT_EDGES, edgeLimit + 1],
    );
    if (!own.get(key) && rows.length === 0) throw notFound("node");
    const outs = rows.filter((r) => r.direction === "out");
    const ins = rows.filter((r) => r.direction === "in");
    const kept = [...outs.slice(0, edgeLimit), ...ins.slice(0, edgeLimit)];
    const others = await declarations(tx, [...new Set(kept.map((r) => (r.direction === "out" ? r.object : r.subject)))]);
    const edges = kept.map((r): GraphEdge => {
      const other = r.direction === "out" ? r.object : r.subject;
      const node = nodeOf(other, others.get(other));
      return {
        subject: r.subject,
        predicate: r.predicate,
        object: r.object,
        direction: r.direction,
        node: { key: other, name: node.name, kind: node.kind, external: node.external },
        props: r.props,
        evidence: evidenceOf(r),
      };
    });
    edges.push(...(await servingEdges(tx, own.get(key) ?? [])));
    return { ...nodeOf(key, own.get(key)), edges, moreEdges: outs.length > edgeLimit || ins.length > edgeLimit };
  });
}

/** Most APIs listed as served by one package. */
const MAX_SERVED = 50;

/**
 * Derived `serves` edges (never stored: they depend on several files): an API is served by
 * the nearest package whose folder holds its description; a package serves the APIs in its
 * folder that no deeper package holds. The evidence is the other side's declaration.
 */
async function servingEdges(tx: Queryable, decls: DeclarationRow[]): Promise<GraphEdge[]> {
  const edges: GraphEdge[] = [];
  for (const d of decls.slice(0, 5)) {
    const folder = String(d.props.folder ?? d.props.path ?? "");
    if (d.object === "api") {
      const { rows } = await tx.query<DeclarationRow>(
        `select ${FACT_COLUMNS}, ${EFFECTIVE_KIND_SQL} as kind from graph_facts f ${FACT_REPOSITORY_JOIN}
         where f.repository_id = $1 and f.predicate = 'is' and f.object = 'package'
           and ($2 = f.props ->> 'path' or f.props ->> 'path' = '' or starts_with($2, (f.props ->> 'path') || '/'))
         order by length(f.props ->> 'path') desc, f.source_path limit 1`,
        [d.repository_id, folder],
      );
      for (const p of rows) edges.push(servingEdge("in", p, d.subject));
    } else if (d.object === "package") {
      const { rows } = await tx.query<DeclarationRow & { nearest: string }>(
        `select ${FACT_COLUMNS}, f.object as kind,
           (select p.props ->> 'path' from graph_facts p
            where p.repository_id = f.repository_id and p.predicate = 'is' and p.object = 'package'
              and (f.props ->> 'folder' = p.props ->> 'path' or p.props ->> 'path' = '' or starts_with(f.props ->> 'folder', (p.props ->> 'path') || '/'))
            order by length(p.props ->> 'path') desc limit 1) as nearest
         from graph_facts f ${FACT_REPOSITORY_JOIN}
         where f.repository_id = $1 and f.predicate = 'is' and f.object = 'api'
           and ($2 = '' or f.props ->> 'folder' = $2 or starts_with(f.props ->> 'folder', $2 || '/'))
         order by f.source_path, f.line limit $3`,
        [d.repository_id, folder, MAX_SERVED * 4],
      );
      for (const a of rows.filter((r) => r.nearest === folder).slice(0, MAX_SERVED)) edges.push(servingEdge("out", a, d.subject));
    }
  }
  return edges;
}

function servingEdge(direction: "in" | "out", other: DeclarationRow, self: string): GraphEdge {
  return {
    subject: direction === "out" ? self : other.subject,
    predicate: "serves",
    object: direction === "out" ? other.subject : self,
    direction,
    node: { key: other.subject, name: typeof other.props.name === "string" ? other.props.name : nameOfKey(other.subject), kind: other.kind, external: false },
    props: { derived: "the API description lies in the package's folder" },
    evidence: evidenceOf(other),
  };
}

/**
 * A node reached by a walk, with its distance and the edge that reached it first. The edge
 * reads `subject predicate object` in its stored direction whichever way it was walked:
 * `direction` "out" when `from` (the node the walk came from) is the subject, "in" when it is
 * the object (then the reached node is the subject: it depends on or uses `from`).
 */
export interface ReachedNode {
  node: { key: string; name: string; kind: string; external: boolean };
  depth: number;
  /**
   * How the edge binds: for `depends_on`, the dependency's group from its declared scope
   * (`direct`, `peer`, `optional`, `build`, `dev`, `indirect`: see `dependencyGroupOf`);
   * for any other edge, its predicate (`uses`, `deploys`, …).
   */
  group: string;
  via: { subject: string; predicate: string; object: string; direction: "out" | "in"; from: string; evidence: Evidence };
}

/** The nodes a walk reached but did not return, by group (see `ReachedNode.group`). */
export interface Omitted {
  total: number;
  byGroup: Record<string, number>;
  /** More were left out than counted (the walk stopped reading: a level too wide, or a kinds filter). */
  atLeast: boolean;
}

/** The groups of dependencies, in the order a walk lists them. */
export const DEPENDENCY_GROUPS = ["direct", "peer", "optional", "build", "dev", "indirect"] as const;

/**
 * The group of a `depends_on` edge from the scope its extractor recorded: Go's `// indirect`
 * (indirect), npm's dev/peer/optional dependencies, Cargo's dev and build dependencies,
 * Maven scopes (test: dev; provided: peer), Gradle configurations (test*, developmentOnly:
 * dev; compileOnly: peer; annotationProcessor, kapt, ksp: build), Python extras (optional) and
 * dependency groups (dev); anything else (runtime, compile, implementation, api) is direct.
 * Any other predicate is its own group.
 */
export function dependencyGroupOf(predicate: string, scope: unknown): string {
  if (predicate !== "depends_on") return predicate;
  const s = typeof scope === "string" ? scope.toLowerCase() : "";
  if (s === "indirect") return "indirect";
  if (s === "peer" || s === "provided" || s === "compileonly") return "peer";
  if (s === "optional" || s.startsWith("optional:")) return "optional";
  if (s === "build" || s === "annotationprocessor" || s === "kapt" || s === "ksp" || s === "classpath") return "build";
  if (s === "dev" || s === "developmentonly" || s.startsWith("test") || s.startsWith("group:") || s.startsWith("androidtest")) return "dev";
  return "direct";
}

/** Where a group is listed: direct dependencies and other edges first, indirect ones last. */
function groupRank(group: string): number {
  const at = (DEPENDENCY_GROUPS as readonly string[]).indexOf(group);
  return Math.max(at, 0);
}

/** Orders groups as a walk lists them (direct and other edges first, indirect last), then by name. */
export function compareGroups(a: string, b: string): number {
  return groupRank(a) - groupRank(b) || compareText(a, b);
}

/**
 * The nodes within `depth` edges of `key` (out: what it depends on or uses; in: what depends
 * on or uses it), optionally only over some predicates and to some kinds; bounded by `limit`.
 *
 * Listed nearest first, then (out before in) by group: direct dependencies and other edges,
 * then peer, optional, build, dev and indirect ones; within a group the organisation's own
 * nodes (declared in one of its repositories) first, then by name. The `limit` best are
 * returned in tree order (each node followed by the nodes reached from it); `omitted` counts
 * the rest by group.
 */
export async function neighbors(
  db: Database,
  scope: TenantScope,
  input: { key: string; direction: "out" | "in" | "both"; depth: number; predicates?: string[]; kinds?: string[]; limit: number },
): Promise<{ root: GraphNode; reached: ReachedNode[]; more: boolean; omitted: Omitted }> {
  return readGraph(db, scope, async (tx) => {
    const own = await declarations(tx, [input.key]);
    // Breadth-first, one indexed statement per level: each level's frontier is bounded, and a
    // node is reached once (at its shortest distance). Past the bound, nodes are counted by
    // group (they would be left out) but not walked further.
    const seen = new Set([input.key]);
    const reached: (Omit<ReachedNode, "node"> & { key: string })[] = [];
    const cap = input.limit * 4;
    const overflow: Record<string, number> = {};
    let atLeast = false;
    let frontier = [input.key];
    let more = false;
    for (let depth = 1; depth <= input.depth && frontier.length > 0 && !more; depth++) {
      const { rows } = await tx.query<FactRow & { direction: "out" | "in" }>(
        `select * from (
           select ${FACT_COLUMNS}, 'out' as direction from graph_facts f ${FACT_REPOSITORY_JOIN}
           where $1 in ('out', 'both') and f.subject = any($2::text[]) and f.predicate <> all($3::text[]) and ($4::text[] is null or f.predicate = any($4))
           union all
           select ${FACT_COLUMNS}, 'in' as direction from graph_facts f ${FACT_REPOSITORY_JOIN}
           where $1 in ('in', 'both') and f.object = any($2::text[]) and f.predicate <> all($3::text[]) and ($4::text[] is null or f.predicate = any($4))
         ) e order by case when e.predicate = 'depends_on' and e.props ->> 'scope' = 'indirect' then 1 else 0 end,
           e.predicate, e.subject, e.object, e.repository_name, e.source_path, e.line limit $5`,
        [input.direction, frontier, NOT_EDGES, input.predicates?.length ? input.predicates : null, MAX_LEVEL_EDGES],
      );
      const next: string[] = [];
      for (const row of rows) {
        const from = row.direction === "out" ? row.subject : row.object;
        const to = row.direction === "out" ? row.object : row.subject;
        if (seen.has(to)) continue;
        seen.add(to);
        const group = dependencyGroupOf(row.predicate, row.props.scope);
        if (reached.length >= cap) {
          more = true;
          if (input.kinds?.length) atLeast = true;
          else overflow[group] = (overflow[group] ?? 0) + 1;
          continue;
        }
        next.push(to);
        reached.push({
          key: to,
          depth,
          group,
          via: { subject: row.subject, predicate: row.predicate, object: row.object, direction: row.direction, from, evidence: evidenceOf(row) },
        });
      }
      if (rows.length >= MAX_LEVEL_EDGES) {
        more = true;
        atLeast = true;
      }
      frontier = next;
    }
    const decls = await declarations(
      tx,
      reached.map((r) => r.key),
    );
    const all = reached.map((r): ReachedNode => {
      const node = nodeOf(r.key, decls.get(r.key));
      return { node: { key: r.key, name: node.name, kind: node.kind, external: node.external }, depth: r.depth, group: r.group, via: r.via };
    });
    const filtered = input.kinds?.length ? all.filter((r) => input.kinds!.includes(r.node.kind)) : all;
    if (!own.get(input.key) && all.length === 0 && !(await isNode(tx, input.key))) throw notFound("node");
    const ranked = [...filtered].sort(compareReached);
    const kept = ranked.slice(0, input.limit);
    const byGroup = { ...overflow };
    for (const r of ranked.slice(input.limit)) byGroup[r.group] = (byGroup[r.group] ?? 0) + 1;
    const total = Object.values(byGroup).reduce((n, c) => n + c, 0);
    return {
      root: nodeOf(input.key, own.get(input.key)),
      reached: treeOrder(input.key, kept),
      more: more || filtered.length > input.limit,
      omitted: { total, byGroup: sortedGroups(byGroup), atLeast },
    };
  });
}

/** Nearest first, out before in, then by group, the organisation's own nodes first, then by name. */
function compareReached(a: ReachedNode, b: ReachedNode): number {
  return (
    a.depth - b.depth ||
    (a.via.direction === b.via.direction ? 0 : a.via.direction === "out" ? -1 : 1) ||
    groupRank(a.group) - groupRank(b.group) ||
    Number(a.node.external) - Number(b.node.external) ||
    compareText(a.node.name.toLowerCase(), b.node.name.toLowerCase()) ||
    compareText(a.node.key, b.node.key)
  );
}

/** Code-point order (stable across locales). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Groups in listing order (a record keeps its insertion order). */
function sortedGroups(byGroup: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(byGroup).sort(([a], [b]) => compareGroups(a, b)));
}

/**
 * `ranked` in tree order: each node of depth 1 in rank order, followed by the nodes reached
 * from it (in rank order, recursively); a node whose parent was left out (by a kinds filter)
 * after them, in rank order.
 */
function treeOrder(rootKey: string, ranked: ReachedNode[]): ReachedNode[] {
  const children = new Map<string, ReachedNode[]>();
  for (const r of ranked) (children.get(r.via.from) ?? children.set(r.via.from, []).get(r.via.from)!).push(r);
  const out: ReachedNode[] = [];
  const emitted = new Set<string>();
  const visit = (key: string) => {
    for (const child of children.get(key) ?? []) {
      if (emitted.has(child.node.key)) continue;
      emitted.add(child.node.key);
      out.push(child);
      visit(child.node.key);
    }
  };
  visit(rootKey);
  for (const r of ranked) {
    if (emitted.has(r.node.key)) continue;
    emitted.add(r.node.key);
    out.push(r);
    visit(r.node.key);
  }
  return out;
}

/**
 * Whether `key` is at either end of an edge: a node declared nowhere (a third-party package)
 * that a walk in the other direction reaches nothing from is still a node.
 */
async function isNode(tx: Queryable, key: string): Promise<boolean> {
  const { rows } = await tx.query(
    `select 1 from graph_facts f ${FACT_REPOSITORY_JOIN}
     where (f.subject = $1 or (f.object = $1 and f.predicate <> all($2::text[]))) limit 1`,
    [key, NOT_EDGES],
  );
  return rows.length > 0;
}

/** Most nodes a plain name resolves to. */
const MAX_NAMED = 20;

/**
 * The nodes whose name is exactly `name` (declared names case-insensitively), across kinds and ecosystems: nodes
 * declared in indexed files with that name, and nodes only referred to (a third-party package,
 * an image pulled from a registry) whose global key is that name in some ecosystem
 * (`npm:<name>`, `go:<name>`, `maven:<name>`, …). Several answers mean the name is shared:
 * the caller shows them apart by kind and declaring repository and path.
 */
export async function nodesNamed(db: Database, scope: TenantScope, name: string): Promise<GraphNode[]> {
  // Keys are matched exactly (the index), as written and in lower case (how most are written).
  const candidates = [
    ...new Set(
      [name, name.toLowerCase()].flatMap((n) => [
        npmKey(n),
        goKey(n),
        cargoKey(n),
        pypiKey(n),
        imageKey(n),
        ownerKey(n),
        eventKey(n),
        `maven:${n}`,
        `helm:${n}`,
      ]),
    ),
  ];
  return readGraph(db, scope, async (tx) => {
    const { rows } = await tx.query<{ subject: string }>(
      `select k.subject from (
         select f.subject from graph_facts f ${FACT_REPOSITORY_JOIN}
         where f.predicate = 'is' and f.object not in ('instruction', 'repository')
           and f.subject in (select s.subject from ctxpipe_search_graph_nodes('%' || lower($1) || '%', ${MAX_SEARCH_CANDIDATES}) s)
           and lower(f.props ->> 'name') = lower($2)
         union
         select f.subject from graph_facts f ${FACT_REPOSITORY_JOIN} where f.subject = any($3::text[])
         union
         select f.object from graph_facts f ${FACT_REPOSITORY_JOIN} where f.object = any($3::text[]) and f.predicate <> all($4::text[])
       ) k order by k.subject limit $5`,
      [name.replace(/[\\%_]/g, "\\$&"), name, candidates, NOT_EDGES, MAX_NAMED],
    );
    const keys = rows.map((r) => r.subject);
    const decls = await declarations(tx, keys);
    return keys.map((k) => nodeOf(k, decls.get(k)));
  });
}

/** What depends on `key` or uses it, transitively (the blast radius of changing it). */
export function impact(db: Database, scope: TenantScope, input: { key: string; depth: number; limit: number }) {
  return neighbors(db, scope, { key: input.key, direction: "in", depth: input.depth, predicates: ["depends_on", "uses"], limit: input.limit });
}
