/**
 * Which tables a backup holds, and in what order: every table of ctxpipe's schemas (`public`,
 * `auth`) except the derived and transient ones (EXCLUDED_TABLES), parents before the tables
 * whose foreign keys point at them, so that a restore can load them one after another.
 * A table added by a later migration is backed up without changing this file.
 */
import type { Queryable } from "../platform/db/tenant.js";

/** Tables a backup leaves out: rebuilt by re-indexing (search index, knowledge graph, chunk vectors), or transient. */
export const EXCLUDED_TABLES = [
  "public.ctxpipe_migrations",
  "public.index_chunks",
  "public.index_files",
  "public.index_symbols",
  "public.index_symbol_blobs",
  "public.index_trigram_postings",
  "public.index_trigram_segments",
  "public.embedding_vectors",
  "public.graph_facts",
  "public.graph_sources",
  "public.graph_state",
  "public.rate_limit_buckets",
  "public.worker_heartbeats",
] as const;

/** Schemas whose tables ctxpipe's migrations create. */
const SCHEMAS = ["public", "auth"];

/** A table to back up. */
export interface TableToCopy {
  /** `schema.table`. */
  name: string;
  /** The name quoted for SQL. */
  quoted: string;
  columns: string[];
}

/** The tables to back up in load order, and the excluded ones that exist. */
export async function backupTables(tx: Queryable): Promise<{ tables: TableToCopy[]; excluded: string[] }> {
  const { rows } = await tx.query<{ schema: string; name: string; columns: string[] }>(
    `select n.nspname as schema, c.relname as name,
            array_agg(a.attname::text order by a.attnum) as columns
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      where c.relkind in ('r', 'p') and n.nspname = any($1)
      group by 1, 2
      order by 1, 2`,
    [SCHEMAS],
  );
  const { rows: edges } = await tx.query<{ child: string; parent: string }>(
    `select cn.nspname || '.' || c.relname as child, pn.nspname || '.' || p.relname as parent
       from pg_constraint k
       join pg_class c on c.oid = k.conrelid join pg_namespace cn on cn.oid = c.relnamespace
       join pg_class p on p.oid = k.confrelid join pg_namespace pn on pn.oid = p.relnamespace
      where k.contype = 'f' and cn.nspname = any($1)`,
    [SCHEMAS],
  );
  const excludedSet = new Set<string>(EXCLUDED_TABLES);
  const all = rows.map((r) => ({ name: `${r.schema}.${r.name}`, quoted: `"${r.schema}"."${r.name}"`, columns: r.columns }));
  const included = all.filter((t) => !excludedSet.has(t.name));
  return { tables: loadOrder(included, edges), excluded: all.filter((t) => excludedSet.has(t.name)).map((t) => t.name) };
}

/** Parents first (a depth-first topological sort; a table referring to itself is no edge). */
function loadOrder(tables: TableToCopy[], edges: { child: string; parent: string }[]): TableToCopy[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const parents = new Map<string, string[]>();
  for (const e of edges) if (e.child !== e.parent && byName.has(e.parent)) parents.set(e.child, [...(parents.get(e.child) ?? []), e.parent]);
  const out: TableToCopy[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new Error(`foreign keys form a cycle through ${name}; a backup cannot order its tables`);
    state.set(name, "visiting");
    for (const parent of parents.get(name) ?? []) visit(parent);
    state.set(name, "done");
    out.push(byName.get(name)!);
  };
  for (const t of tables) visit(t.name);
  return out;
}

/** The last migration applied to the database (its schema version). */
export async function lastMigration(tx: Queryable): Promise<string> {
  const { rows } = await tx.query<{ name: string }>("select name from ctxpipe_migrations order by name desc limit 1");
  if (!rows[0]) throw new Error("The database has no migrations applied: there is nothing to back up.");
  return rows[0].name;
}

/**
 * The session settings COPY's text format depends on, the same on both sides (as pg_dump
 * does): dates, time zones, intervals and floats read back exactly as they were written.
 */
export async function pinCopyFormat(tx: { query(sql: string): Promise<unknown> }): Promise<void> {
  await tx.query("set local datestyle = 'ISO, YMD'");
  await tx.query("set local timezone = 'UTC'");
  await tx.query("set local intervalstyle = 'postgres'");
  await tx.query("set local extra_float_digits = 3");
}
