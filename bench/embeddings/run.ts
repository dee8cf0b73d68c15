/**
 * `npm run bench:embeddings`: how fast one organisation's chunk vectors can be ranked for a
 * question in the portable form (no pgvector), and what each form costs, on synthetic vectors
 * in a migrated database (embedded Postgres, or BENCH_POSTGRES_URL):
 * - sketch: Postgres orders the org's rows by the Hamming distance of their sign bits
 *   (`bit_count(sketch # q)`, what the SemanticRanker runs) and returns 400 candidates, whose
 *   int8 vectors are scored exactly in Node;
 * - node: every int8 vector of the org read into Node and scored there;
 * - sql-float: a `real[]` copy scored in SQL (`sum(a * b)` over `unnest`), the plain SQL way.
 * Each query runs as the application role under row-level security, like the ranker. Recall@10
 * of the sketch is measured against the exact int8 ranking. The vectors are clustered (200
 * centres, questions near one), random otherwise: this measures the scan and the storage, not
 * the quality of a model.
 *
 * Options: --vectors N (default 50000), --dims D (default 768), --queries Q (default 20),
 * --smoke (3,000 vectors of 256 dimensions, 3 queries).
 */
import fs from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type pg from "pg";
import { nearestBySketch } from "../../server/src/embeddings/embedding.service.js";
import { quantise, scoreStored, signBits, unitVector } from "../../server/src/embeddings/index.js";
import { makeWorkDir, startDatabase } from "../search/pipeline.js";

const { values: opts } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    vectors: { type: "string" },
    dims: { type: "string" },
    queries: { type: "string" },
    "no-sql-float": { type: "boolean", default: false },
    explain: { type: "boolean", default: false },
  },
});
const N = Number.parseInt(opts.vectors ?? (opts.smoke ? "3000" : "50000"), 10);
const DIMS = Number.parseInt(opts.dims ?? (opts.smoke ? "256" : "768"), 10);
const QUERIES = Number.parseInt(opts.queries ?? (opts.smoke ? "3" : "20"), 10);
const CENTRES = 200;
const CANDIDATES = 400;
const SQL_FLOAT_QUERIES = opts["no-sql-float"] ? 0 : Math.min(QUERIES, 3);
const KEY = { model: "bench-embed", dims: DIMS };
const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

/** A seeded normal-ish random source (xorshift, sum of uniforms). */
function randomSource(seed: number) {
  let x = seed >>> 0 || 1;
  const uniform = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0xffffffff;
  };
  return () => uniform() + uniform() + uniform() - 1.5;
}
const random = randomSource(42);
const randomVector = () => Array.from({ length: DIMS }, random);
const centres = Array.from({ length: CENTRES }, randomVector);
/** A vector near a centre (cosine to it about 0.7). */
const near = (centre: number[]) => centre.map((c) => c + random());

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });

/** Runs `fn` as the application role in the org's scope (row-level security applies). */
async function asApp<T>(pool: pg.Pool, orgId: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("set local role ctxpipe_app");
    await client.query("select set_config('app.org_id', $1, true)", [orgId]);
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

const workDir = await makeWorkDir();
const db = await startDatabase(workDir);
try {
  const pool = db.pool;
  const org = (await pool.query<{ id: string }>("insert into orgs (slug, name) values ('bench-vectors', 'Bench') returning id")).rows[0]!.id;
  log(`inserting ${fmt(N)} vectors of ${DIMS} dimensions`);
  const BATCH = 2_000;
  for (let start = 0; start < N; start += BATCH) {
    const ids: string[] = [];
    const scales: number[] = [];
    const sketches: string[] = [];
    const bytes: Buffer[] = [];
    const floats: string[] = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      const unit = unitVector(near(centres[i % CENTRES]!));
      const stored = quantise(unit);
      ids.push(`blob${String(i).padStart(8, "0")}`);
      scales.push(stored.scale);
      sketches.push(stored.sketch);
      bytes.push(stored.bytes);
      floats.push(`{${Array.from(unit).join(",")}}`);
    }
    await pool.query(
      "insert into index_chunks (org_id, blob_oid, chunk_no, start_line, line_count, content) select $1, b, 0, 1, 1, 'x' from unnest($2::text[]) b",
      [org, ids],
    );
    await pool.query(
      `insert into embedding_vectors (org_id, blob_oid, chunk_no, model, dims, scale, sketch, vector)
       select $1, b, 0, $2, $3, s, k::varbit, v from unnest($4::text[], $5::real[], $6::text[], $7::bytea[]) as t(b, s, k, v)`,
      [org, KEY.model, KEY.dims, ids, scales, sketches, bytes],
    );
    if (SQL_FLOAT_QUERIES > 0) {
      await pool.query("create table if not exists bench_float_vectors (blob_oid text primary key, v real[] not null)");
      await pool.query("insert into bench_float_vectors select b, v::real[] from unnest($1::text[], $2::text[]) as t(b, v)", [ids, floats]);
    }
  }
  await pool.query("create table if not exists bench_float_vectors (blob_oid text primary key, v real[] not null)");
  await pool.query("grant select on bench_float_vectors to ctxpipe_app");
  await pool.query("vacuum analyze embedding_vectors");
  await pool.query("vacuum analyze bench_float_vectors");
  const size = (await pool.query<{ bytes: string }>("select pg_total_relation_size('embedding_vectors')::text as bytes")).rows[0]!.bytes;
  const floatSize = (await pool.query<{ bytes: string }>("select pg_total_relation_size('bench_float_vectors')::text as bytes")).rows[0]!.bytes;
  const heap = (await pool.query<{ bytes: string }>("select pg_relation_size('embedding_vectors')::text as bytes")).rows[0]!.bytes;

  if (opts.explain) {
    // Where the sketch query's time goes (--explain): the plan with timings and buffers, once.
    const query = unitVector(near(centres[0]!));
    const plan = await asApp(pool, org, async (c) => {
      // The ranker's own statement, explained: pg runs the query text it is given.
      let text = "";
      const capture = {
        query: async (sql: string) => {
          text = sql;
          return { rows: [] };
        },
      };
      await nearestBySketch(capture as never, org, KEY, signBits(query), CANDIDATES);
      return c.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers) ${text}`, [org, KEY.model, KEY.dims, signBits(query), CANDIDATES]);
    });
    log(plan.rows.map((r) => r["QUERY PLAN"]).join("\n"));
  }
  const timings = { sketch: [] as number[], node: [] as number[], sqlFloat: [] as number[] };
  let recallHits = 0;
  let recallOf = 0;
  for (let q = 0; q < QUERIES + 1; q++) {
    const query = unitVector(near(centres[(q * 37) % CENTRES]!));
    const warm = q === 0; // the first query warms the cache and is not counted
    let started = performance.now();
    const candidates = await asApp(pool, org, (c) => nearestBySketch(c, org, KEY, signBits(query), CANDIDATES));
    const sketchTop = candidates
      .map((c) => ({ blob: c.blobOid, score: scoreStored(query, c.bytes, c.scale) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    if (!warm) timings.sketch.push(performance.now() - started);

    started = performance.now();
    const all = await asApp(pool, org, async (c) => {
      const { rows } = await c.query<{ blob_oid: string; scale: number; vector: Buffer }>(
        "select blob_oid, scale, vector from embedding_vectors where org_id = $1 and model = $2 and dims = $3",
        [org, KEY.model, KEY.dims],
      );
      return rows;
    });
    const exactTop = all
      .map((r) => ({ blob: r.blob_oid, score: scoreStored(query, r.vector, r.scale) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    if (!warm) timings.node.push(performance.now() - started);

    // The SQL float scan is slow: a few queries say enough.
    if (q <= SQL_FLOAT_QUERIES) {
      started = performance.now();
      await asApp(pool, org, (c) =>
        c.query("select blob_oid, (select sum(a * b) from unnest(v, $1::real[]) as t(a, b)) as score from bench_float_vectors order by score desc limit 10", [
          `{${Array.from(query).join(",")}}`,
        ]),
      );
      if (!warm) timings.sqlFloat.push(performance.now() - started);
    }

    if (!warm) {
      const exact = new Set(exactTop.map((h) => h.blob));
      recallHits += sketchTop.filter((h) => exact.has(h.blob)).length;
      recallOf += exact.size;
    }
    log(`query ${q}${warm ? " (warm-up)" : ""} done`);
  }

  const row = (name: string, ms: number[]) =>
    `| ${name} | ${percentile(ms, 50).toFixed(1)} | ${percentile(ms, 95).toFixed(1)} | ${fmt(N / (percentile(ms, 50) / 1000))} |`;
  const lines = [
    `bench:embeddings: ${fmt(N)} vectors × ${DIMS} dimensions, ${QUERIES} queries, ${CENTRES} clusters (synthetic: measures the scan, not a model)`,
    "",
    "| method | p50 ms | p95 ms | vectors/s at p50 |",
    "| --- | ---: | ---: | ---: |",
    row(`sketch: Hamming order in SQL, ${CANDIDATES} candidates, int8 rerank in Node`, timings.sketch),
    row("node: every int8 vector read and scored in Node", timings.node),
    ...(SQL_FLOAT_QUERIES > 0 ? [row("sql-float: real[] dot product in SQL (unnest)", timings.sqlFloat)] : []),
    "",
    `recall@10 of sketch vs exact int8: ${((100 * recallHits) / Math.max(1, recallOf)).toFixed(1)} %`,
    `storage: embedding_vectors ${(Number(size) / N).toFixed(0)} bytes/vector in all (int8 + sign bits + keys), heap ${(Number(heap) / N).toFixed(0)} bytes/vector (what the sketch scan reads)` +
      (SQL_FLOAT_QUERIES > 0 ? `; real[] copy ${(Number(floatSize) / N).toFixed(0)} bytes/vector` : ""),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await db.stop();
  await fs.rm(workDir, { recursive: true, force: true });
}
