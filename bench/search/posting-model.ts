/**
 * A model of the trigram posting table proposed in docs/adr/007-trigram-posting-lists.md,
 * measured on the indexed corpus (`npm run bench:search -- --posting-model`, or standalone:
 * `node --import ./server/bin/ts-hooks.js bench/search/posting-model.ts <database url>` against a `--keep` run).
 *
 * It streams every chunk of the bench organisation from Postgres and, in node:
 * - takes the byte trigrams of each chunk (spaces and punctuation included), case-folded and
 *   exact, and the size their posting lists would take as varint deltas of chunk numbers;
 * - times that extraction (the work the indexer would take on instead of pg_trgm's upkeep);
 * - for each whole-organisation query of the bench set, intersects the posting lists of its
 *   driving literal's trigrams (per chunk, and per 1 KB block of a chunk), counts the true
 *   matches among them in Postgres (same operator as today), and compares the candidates with
 *   pg_trgm's (EXPLAIN ANALYZE of today's scan, run to the end).
 * Nothing is written; it is a measurement, not an implementation.
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import { parseQuery, type Pattern } from "../../server/src/search/query-parser.js";
import { candidateChunks } from "../../server/src/search/postings.sql.js";
import { searchMode } from "../../server/src/search/scan.sql.js";
import { patternTrigrams } from "../../server/src/search/trigram-query.js";
import { QUERIES } from "./queries.js";

/** What the model found for one query. */
export interface PostingQueryModel {
  id: string;
  q: string;
  driving: string;
  literals: string[];
  matches: number;
  pgTrgm: { candidates: number; recheckMs: number };
  posting: { candidates: number };
  /** With 1 KB block masks. */
  blocks: { candidates: number };
  /**
   * The lists as built (index_trigram_postings, search/postings.sql.ts): candidates of the
   * driving pattern and the time to read and intersect its lists; undefined when the corpus
   * was indexed without them.
   */
  built?: { candidates: number; listMs: number; rows: number; bytes: number };
}

/** The whole model. */
export interface PostingModel {
  chunks: number;
  bytes: number;
  extractSeconds: number;
  extractMBps: number;
  folded: { distinct: number; pairs: number; listBytes: number; maskBytes: number };
  exact: { distinct: number; pairs: number; listBytes: number; maskBytes: number };
  /** Estimated table + b-tree size: folded lists only, with block masks, and folded + exact with masks. */
  estimatedBytes: { folded: number; foldedWithMasks: number; foldedAndExactWithMasks: number };
  ginBytes: number;
  queries: PostingQueryModel[];
}

const TRIGRAMS = 1 << 24;
/** Estimated bytes per posting row besides its list: tuple header, org id, trigram, varlena header, b-tree entry. */
const ROW_OVERHEAD_BYTES = 24 + 16 + 4 + 4 + 32;
/** Regex metacharacters that end a literal run. */
const META = new Set([..."\\^$.|?*+()[]{}"]);

/**
 * The literal runs a regex match must contain (a model: it assumes no alternation, as in the
 * bench set). A character followed by a quantifier that allows zero is dropped from its run.
 */
export function requiredLiterals(pattern: Pattern): string[] {
  if (pattern.kind === "literal") return [pattern.value];
  if (pattern.value.includes("|")) return [];
  const runs: string[] = [];
  let run = "";
  const src = pattern.value;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "\\") {
      // An escaped metacharacter is literal; a class such as \w or \b ends the run.
      const next = src[i + 1] ?? "";
      i++;
      if (META.has(next)) run += next;
      else {
        runs.push(run);
        run = "";
      }
      continue;
    }
    if (ch === "[") {
      runs.push(run);
      run = "";
      i = src.indexOf("]", i + 1);
      if (i < 0) break;
      continue;
    }
    if (META.has(ch)) {
      if ((ch === "?" || ch === "*" || ch === "{") && run.length > 0) run = run.slice(0, -1);
      runs.push(run);
      run = "";
      continue;
    }
    run += ch;
  }
  runs.push(run);
  return runs.filter((r) => r.length >= 3);
}

function fold(byte: number): number {
  return byte >= 65 && byte <= 90 ? byte + 32 : byte;
}

/** The byte trigrams of `text` as 24-bit numbers, case-folded or exact. */
export function trigramsOf(text: string, folded: boolean): number[] {
  const b = Buffer.from(text, "utf8");
  const out = new Set<number>();
  for (let i = 0; i + 2 < b.length; i++) {
    const [x, y, z] = folded ? [fold(b[i]!), fold(b[i + 1]!), fold(b[i + 2]!)] : [b[i]!, b[i + 1]!, b[i + 2]!];
    out.add((x << 16) | (y << 8) | z);
  }
  return [...out];
}

function varintLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4;
}

/** Bytes of chunk text per bit of a posting's block mask (16 bits cover a 16 KB chunk). */
export const BLOCK_BYTES = 1024;

/** One posting of a wanted trigram: the chunk, and the 1 KB blocks of it that hold the trigram. */
interface Posting {
  chunk: number;
  mask: number;
}

/**
 * Counts the distinct trigrams, the (trigram, chunk) pairs, the varint bytes of the lists and
 * of a 1 KB-block mask per pair, and keeps the postings of the trigrams the queries need.
 */
class PostingCounter {
  private readonly last = new Int32Array(TRIGRAMS);
  private readonly masks = new Uint16Array(TRIGRAMS);
  private readonly wanted = new Uint8Array(TRIGRAMS);
  distinct = 0;
  pairs = 0;
  listBytes = 0;
  maskBytes = 0;
  readonly lists = new Map<number, Posting[]>();

  constructor(
    private readonly folded: boolean,
    wanted: Iterable<number>,
  ) {
    for (const t of wanted) {
      this.lists.set(t, []);
      this.wanted[t] = 1;
    }
  }

  add(chunk: number, bytes: Buffer): void {
    const id = chunk + 1;
    const { last, masks, wanted } = this;
    const f = this.folded;
    let a = f ? fold(bytes[0] ?? 0) : (bytes[0] ?? 0);
    let b = f ? fold(bytes[1] ?? 0) : (bytes[1] ?? 0);
    for (let i = 2; i < bytes.length; i++) {
      const c = f ? fold(bytes[i]!) : bytes[i]!;
      const t = (a << 16) | (b << 8) | c;
      const bit = 1 << Math.min(15, Math.floor((i - 2) / BLOCK_BYTES));
      const prev = last[t]!;
      if (prev !== id) {
        if (prev === 0) this.distinct++;
        else this.maskBytes += varintLength(masks[t]!);
        this.pairs++;
        this.listBytes += varintLength(id - prev);
        last[t] = id;
        masks[t] = bit;
        if (wanted[t]) this.lists.get(t)!.push({ chunk, mask: bit });
      } else if ((masks[t]! & bit) === 0) {
        masks[t]! |= bit;
        if (wanted[t]) this.lists.get(t)!.at(-1)!.mask |= bit;
      }
      a = b;
      b = c;
    }
  }

  /** Adds the masks of each trigram's last chunk to maskBytes (call once, at the end). */
  finish(): void {
    for (let t = 0; t < TRIGRAMS; t++) if (this.last[t]! !== 0) this.maskBytes += varintLength(this.masks[t]!);
  }
}

/** A block mask widened by one block each way: a literal shorter than a block crosses at most one boundary. */
function smear(mask: number): number {
  return (mask | (mask << 1) | (mask >> 1)) & 0xffff;
}

/** Chunks in every list; with `blocks`, only those where the (smeared) block masks overlap. */
function intersect(lists: Posting[][], blocks: boolean): number[] {
  if (lists.length === 0) return [];
  const sorted = [...lists].sort((x, y) => x.length - y.length);
  let acc = new Map(sorted[0]!.map((p) => [p.chunk, blocks ? smear(p.mask) : 0xffff]));
  for (const list of sorted.slice(1)) {
    const next = new Map<number, number>();
    for (const p of list) {
      const m = acc.get(p.chunk);
      if (m === undefined) continue;
      const both = m & (blocks ? smear(p.mask) : 0xffff);
      if (both !== 0) next.set(p.chunk, both);
    }
    acc = next;
  }
  return [...acc.keys()].sort((x, y) => x - y);
}

async function median3(fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((x, y) => x - y)[1]!;
}

/** The candidates of the lists as built, in the org's scope (median of 3 reads); undefined without lists. */
async function builtCandidates(pool: pg.Pool, org: string, pattern: Pattern, caseSensitive: boolean): Promise<PostingQueryModel["built"]> {
  const codes = patternTrigrams(pattern, caseSensitive);
  if (!codes) return undefined;
  const c = await pool.connect();
  try {
    await c.query("begin");
    await c.query("select set_config('app.org_id', $1, true)", [org]);
    if (Number((await c.query<{ n: string }>("select count(*) as n from index_trigram_segments")).rows[0]!.n) === 0) return undefined;
    let result = { candidates: 0, rows: 0, bytes: 0 };
    const listMs = await median3(async () => {
      const cand = await candidateChunks(c, codes);
      result = { candidates: cand.ids.length, rows: cand.rows, bytes: cand.bytes };
    });
    return { ...result, listMs };
  } finally {
    await c.query("rollback");
    c.release();
  }
}

/** Runs the model against the bench organisation of `databaseUrl` (read only). */
export async function runPostingModel(databaseUrl: string, log: (line: string) => void = () => {}): Promise<PostingModel> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const org = (await pool.query<{ id: string }>("select id from orgs where slug = 'bench'")).rows[0]?.id;
    if (!org) throw new Error("no organisation 'bench' in this database");
    const modelled = QUERIES.map((q) => ({ q, parsed: parseQuery(q.q) })).filter(
      ({ parsed }) => parsed.symbols.length === 0 && parsed.files.length === 0 && parsed.langs.length === 0,
    );
    const plans = modelled.map(({ q, parsed }) => {
      const positive = parsed.groups[0]!.filter((p) => !p.negated);
      const driving = positive
        .slice()
        .sort((x, y) => Math.max(0, ...requiredLiterals(y).map((l) => l.length)) - Math.max(0, ...requiredLiterals(x).map((l) => l.length)))[0]!;
      return { q, parsed, driving, literals: requiredLiterals(driving), folded: !parsed.caseSensitive };
    });
    const wantedFolded = plans.filter((p) => p.folded).flatMap((p) => p.literals.flatMap((l) => trigramsOf(l, true)));
    const wantedExact = plans.filter((p) => !p.folded).flatMap((p) => p.literals.flatMap((l) => trigramsOf(l, false)));
    const folded = new PostingCounter(true, wantedFolded);
    const exact = new PostingCounter(false, wantedExact);

    const keys: { blob: string; chunkNo: number }[] = [];
    let bytes = 0;
    let extractMs = 0;
    const client = await pool.connect();
    try {
      await client.query("begin isolation level repeatable read read only");
      await client.query("declare chunks no scroll cursor for select blob_oid, chunk_no, content from index_chunks where org_id = $1", [org]);
      for (;;) {
        const { rows } = await client.query<{ blob_oid: string; chunk_no: number; content: string }>("fetch forward 2000 from chunks");
        if (rows.length === 0) break;
        const started = performance.now();
        for (const row of rows) {
          const id = keys.length;
          keys.push({ blob: row.blob_oid, chunkNo: row.chunk_no });
          const b = Buffer.from(row.content, "utf8");
          bytes += b.length;
          folded.add(id, b);
          exact.add(id, b);
        }
        extractMs += performance.now() - started;
        if (keys.length % 20_000 < 2000) log(`  posting model: ${keys.length} chunks`);
      }
      await client.query("commit");
    } finally {
      client.release();
    }

    folded.finish();
    exact.finish();

    /** Counts the matches among `candidates` (by primary key, with today's operator). */
    const countMatches = async (candidates: number[], op: string, value: string) => {
      const c = await pool.connect();
      try {
        await c.query("begin");
        await c.query("set local enable_bitmapscan = off"); // not through the trigram index
        const { rows } = await c.query<{ n: string }>(
          `select count(*) as n from unnest($2::text[], $3::int[]) as k(blob, no)
           join index_chunks c on c.org_id = $1 and c.blob_oid = k.blob and c.chunk_no = k.no
           where c.content ${op} $4`,
          [org, candidates.map((i) => keys[i]!.blob), candidates.map((i) => keys[i]!.chunkNo), value],
        );
        await c.query("commit");
        return Number(rows[0]!.n);
      } finally {
        c.release();
      }
    };
    /** Chunks that hold every literal (each literal's trigrams within one chunk, or within neighbouring 1 KB blocks). */
    const candidatesOf = (counter: PostingCounter, literals: string[], folded: boolean, blocks: boolean) => {
      let acc: Set<number> | undefined;
      for (const literal of literals) {
        const chunks = intersect(
          trigramsOf(literal, folded).map((t) => counter.lists.get(t) ?? []),
          blocks,
        );
        acc = new Set(acc ? chunks.filter((c) => acc!.has(c)) : chunks);
      }
      return acc ? [...acc] : keys.map((_, i) => i);
    };

    const queries: PostingQueryModel[] = [];
    for (const plan of plans) {
      const counter = plan.folded ? folded : exact;
      const { mode, value } = searchMode(plan.driving, plan.parsed.caseSensitive);
      const op = { like: "like", ilike: "ilike", regex: "~", iregex: "~*" }[mode];
      const byChunk = candidatesOf(counter, plan.literals, plan.folded, false);
      const byBlock = candidatesOf(counter, plan.literals, plan.folded, true);
      const chunkMatches = await countMatches(byChunk, op, value);
      const blockMatches = await countMatches(byBlock, op, value);
      let trgmCandidates = 0;
      const trgmMs = await median3(async () => {
        const { rows } = await pool.query<{ "QUERY PLAN": string }>(
          `explain (analyze, format text) select count(*) from index_chunks c where c.org_id = $1 and c.content ${op} $2`,
          [org, value],
        );
        const text = rows.map((r) => r["QUERY PLAN"]).join("\n");
        const index = /Bitmap Index Scan[^\n]*actual time=[\d.]+\.\.[\d.]+ rows=([\d.]+)/.exec(text);
        trgmCandidates = index ? Math.round(Number(index[1])) : Number.NaN;
      });
      if (blockMatches !== chunkMatches) throw new Error(`${plan.q.id}: the block masks lost matches (${blockMatches} of ${chunkMatches})`);
      const built = await builtCandidates(pool, org, plan.driving, plan.parsed.caseSensitive);
      queries.push({
        id: plan.q.id,
        q: plan.q.q,
        driving: plan.driving.value,
        literals: plan.literals,
        matches: chunkMatches,
        pgTrgm: { candidates: trgmCandidates, recheckMs: trgmMs },
        posting: { candidates: byChunk.length },
        blocks: { candidates: byBlock.length },
        ...(built ? { built } : {}),
      });
      log(`  posting model: ${plan.q.id}: ${byChunk.length} / ${byBlock.length} candidates (pg_trgm ${trgmCandidates}), ${chunkMatches} matches`);
    }

    const gin = await pool.query<{ bytes: string }>("select pg_relation_size('index_chunks_content_trgm_idx') as bytes");
    const size = (c: PostingCounter, masks: boolean) => c.listBytes + (masks ? c.maskBytes : 0) + c.distinct * ROW_OVERHEAD_BYTES;
    const summary = (c: PostingCounter) => ({ distinct: c.distinct, pairs: c.pairs, listBytes: c.listBytes, maskBytes: c.maskBytes });
    return {
      chunks: keys.length,
      bytes,
      extractSeconds: extractMs / 1000,
      extractMBps: bytes / 1e6 / (extractMs / 1000),
      folded: summary(folded),
      exact: summary(exact),
      estimatedBytes: { folded: size(folded, false), foldedWithMasks: size(folded, true), foldedAndExactWithMasks: size(folded, true) + size(exact, true) },
      ginBytes: Number(gin.rows[0]!.bytes),
      queries,
    };
  } finally {
    await pool.end();
  }
}

/** The model as Markdown, for the results file. */
export function postingModelMarkdown(m: PostingModel): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const lines = [
    "## Posting-list model (ADR 007)",
    "",
    `${m.chunks.toLocaleString("en")} chunks, ${mb(m.bytes)}. Byte trigrams, folded and exact, taken in ${m.extractSeconds.toFixed(1)} s on one core (${m.extractMBps.toFixed(1)} MB/s for both).`,
    "",
    "| | distinct trigrams | (trigram, chunk) pairs | varint lists | 1 KB block masks |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| folded | ${m.folded.distinct.toLocaleString("en")} | ${m.folded.pairs.toLocaleString("en")} | ${mb(m.folded.listBytes)} | ${mb(m.folded.maskBytes)} |`,
    `| exact | ${m.exact.distinct.toLocaleString("en")} | ${m.exact.pairs.toLocaleString("en")} | ${mb(m.exact.listBytes)} | ${mb(m.exact.maskBytes)} |`,
    "",
    `Estimated table + b-tree: ${mb(m.estimatedBytes.folded)} folded lists only, ${mb(m.estimatedBytes.foldedWithMasks)} with block masks, ${mb(m.estimatedBytes.foldedAndExactWithMasks)} folded and exact with masks; the pg_trgm GIN index is ${mb(m.ginBytes)}.`,
    "",
    "Candidates are the chunks a scan must recheck to find every match of the query's driving pattern; the recheck is pg_trgm's whole scan today (EXPLAIN ANALYZE, median of 3).",
    "",
    "| Query | Driving literal(s) | Matches | pg_trgm candidates | pg_trgm scan | chunk lists | with block masks | lists as built (read + intersect) |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...m.queries.map(
      (q) =>
        `| \`${q.q}\` | ${q.literals.map((l) => `\`${l}\``).join(", ") || "(none)"} | ${q.matches.toLocaleString("en")} | ${q.pgTrgm.candidates.toLocaleString("en")} | ${q.pgTrgm.recheckMs.toFixed(0)} ms | ${q.posting.candidates.toLocaleString("en")} | ${q.blocks.candidates.toLocaleString("en")} | ${q.built ? `${q.built.candidates.toLocaleString("en")} (${q.built.listMs.toFixed(1)} ms, ${q.built.rows} rows, ${(q.built.bytes / 1e3).toFixed(0)} KB)` : "n/a"} |`,
    ),
  ];
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.argv[2];
  if (!url) {
    console.error("usage: node --import ./server/bin/ts-hooks.js bench/search/posting-model.ts <database url of a --keep run>");
    process.exit(2);
  }
  const model = await runPostingModel(url, (line) => console.error(line));
  console.log(postingModelMarkdown(model));
}
