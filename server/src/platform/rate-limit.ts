/**
 * Fixed-window rate limits kept in Postgres, so every process of a deployment shares them.
 * A limited request gets 429 `rate_limited` with Retry-After. Buckets are keyed by what the
 * caller passes (an IP, an account), prefixed with the limit's name.
 */
import type pg from "pg";
import { AppError } from "./errors.js";

/** One limit: at most `max` hits per `windowSeconds` for each key. */
export interface RateLimit {
  name: string;
  max: number;
  windowSeconds: number;
}

/**
 * Counts one hit for each key; throws when any key is over its limit.
 * @throws AppError rate_limited (429) with `retryAfterSeconds` in details.
 */
export async function consumeRateLimit(pool: pg.Pool, limit: RateLimit, keys: string[]): Promise<void> {
  let retryAfter = 0;
  for (const key of new Set(keys.filter(Boolean))) {
    const bucket = `${limit.name}:${key.toLowerCase().slice(0, 200)}`;
    // One statement: start a new window when the old one is over, else count the hit.
    const { rows } = await pool.query<{ hits: number; reset_in: number }>(
      `insert into rate_limit_buckets as b (bucket, window_start, hits) values ($1, now(), 1)
       on conflict (bucket) do update set
         window_start = case when b.window_start <= now() - make_interval(secs => $2) then now() else b.window_start end,
         hits = case when b.window_start <= now() - make_interval(secs => $2) then 1 else b.hits + 1 end
       returning hits, extract(epoch from (window_start + make_interval(secs => $2) - now()))::float8 as reset_in`,
      [bucket, limit.windowSeconds],
    );
    const row = rows[0];
    if (row && row.hits > limit.max) retryAfter = Math.max(retryAfter, Math.ceil(row.reset_in));
  }
  if (Math.random() < 0.01) {
    await pool.query("delete from rate_limit_buckets where window_start < now() - interval '1 day'").catch(() => {});
  }
  if (retryAfter > 0) {
    throw new AppError("rate_limited", 429, `Too many requests; try again in ${retryAfter} s.`, {
      details: { retryAfterSeconds: retryAfter },
    });
  }
}

/** The most keys a failure limit remembers as failing in one process. */
const MAX_FAILING_KEYS = 10_000;

/**
 * A limit on failures (an unknown API key, a wrong invitation token) per key, usually the
 * client IP. Failures are counted in Postgres like any limit; a key over it is refused before
 * its next attempt is even checked. Keys without a recent failure cost no query: each process
 * remembers the keys it saw fail within the window.
 */
export interface FailureLimit {
  /**
   * Refuses a key that used up its failures.
   * @throws AppError rate_limited (429).
   */
  assertAllowed(key: string): Promise<void>;
  /**
   * Counts one failure of `key`.
   * @throws AppError rate_limited (429) once the key is over the limit.
   */
  recordFailure(key: string): Promise<void>;
}

/** A failure limit over `pool`'s buckets. */
export function createFailureLimit(pool: pg.Pool, limit: RateLimit): FailureLimit {
  const failing = new Map<string, number>();
  return {
    async assertAllowed(key) {
      const until = failing.get(key);
      if (until === undefined) return;
      if (until < Date.now()) {
        failing.delete(key);
        return;
      }
      const { rows } = await pool.query<{ hits: number; reset_in: number }>(
        `select hits, extract(epoch from (window_start + make_interval(secs => $2) - now()))::float8 as reset_in
         from rate_limit_buckets where bucket = $1 and window_start > now() - make_interval(secs => $2)`,
        [`${limit.name}:${key.toLowerCase().slice(0, 200)}`, limit.windowSeconds],
      );
      const row = rows[0];
      if (row && row.hits >= limit.max) {
        const retryAfter = Math.max(1, Math.ceil(row.reset_in));
        throw new AppError("rate_limited", 429, `Too many failed attempts; try again in ${retryAfter} s.`, { details: { retryAfterSeconds: retryAfter } });
      }
    },
    async recordFailure(key) {
      if (!key) return;
      failing.delete(key);
      if (failing.size >= MAX_FAILING_KEYS) failing.delete(failing.keys().next().value!);
      failing.set(key, Date.now() + limit.windowSeconds * 1000);
      await consumeRateLimit(pool, limit, [key]);
    },
  };
}
