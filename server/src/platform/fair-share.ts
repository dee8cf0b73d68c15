/**
 * A fair share of expensive work (searches, MCP tool calls) in one process. Three caps apply
 * at once: all such work together (a bounded share of the database pool, so sign-in, /.status
 * and plain reads always find a connection), each organisation, and each caller (API key,
 * OAuth client, session). Work over a cap waits briefly in a queue; when a slot frees, the
 * waiter of the organisation with the least running work goes first, so one busy tenant cannot
 * push the others to the back. Work that waits too long, or a caller with too many waiting,
 * gets 429 `rate_limited` with a Retry-After.
 *
 * The caps are per process: with several server processes, each enforces its own.
 */
import { AppError } from "./errors.js";

/** The caps and the queue's bounds. */
export interface FairShareOptions {
  /** Most units of work running at once in this process. */
  slots: number;
  /** Most running at once for one organisation. */
  perOrg: number;
  /** Most running at once for one caller. */
  perCaller: number;
  /** Longest a unit waits for a slot before it is refused. */
  maxWaitMs: number;
  /** Most units one caller may have waiting; more are refused at once. */
  maxQueuedPerCaller: number;
}

/** Who a unit of work is for. `caller` is a stable key such as `api_key:<id>`. */
export interface ShareKey {
  orgId: string;
  caller: string;
}

interface Waiter {
  key: ShareKey;
  since: number;
  grant: () => void;
  timer: NodeJS.Timeout;
}

/** Seconds a refused caller is told to wait. */
const RETRY_AFTER_SECONDS = 1;

/** Counts and queues work by organisation and caller. */
export class FairShare {
  private running = 0;
  private readonly byOrg = new Map<string, number>();
  private readonly byCaller = new Map<string, number>();
  private readonly queued: Waiter[] = [];

  constructor(readonly options: FairShareOptions) {}

  /**
   * Runs `work` once a slot is free for `key`, and frees the slot when it settles.
   * @throws AppError rate_limited (429, `retryAfterSeconds` in details) when the caller has
   *   too many waiting or no slot freed within `maxWaitMs`.
   */
  async run<T>(key: ShareKey, work: () => Promise<T>): Promise<T> {
    const release = await this.hold(key);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * Takes a slot for `key` once one is free; answers the function that frees it (calling it
   * again does nothing). For work that outlives a call, such as a streamed answer.
   * @throws AppError rate_limited, as `run`.
   */
  async hold(key: ShareKey): Promise<() => void> {
    await this.acquire(key);
    let held = true;
    return () => {
      if (held) this.release(key);
      held = false;
    };
  }

  /** Work running now, in all and for one organisation (for tests and metrics). */
  load(orgId?: string): { running: number; queued: number } {
    if (orgId === undefined) return { running: this.running, queued: this.queued.length };
    return { running: this.byOrg.get(orgId) ?? 0, queued: this.queued.filter((w) => w.key.orgId === orgId).length };
  }

  private fits(key: ShareKey): boolean {
    const { slots, perOrg, perCaller } = this.options;
    return this.running < slots && (this.byOrg.get(key.orgId) ?? 0) < perOrg && (this.byCaller.get(key.caller) ?? 0) < perCaller;
  }

  private take(key: ShareKey): void {
    this.running++;
    this.byOrg.set(key.orgId, (this.byOrg.get(key.orgId) ?? 0) + 1);
    this.byCaller.set(key.caller, (this.byCaller.get(key.caller) ?? 0) + 1);
  }

  private acquire(key: ShareKey): Promise<void> {
    // A waiter that fits is granted as soon as a slot frees (dispatch), so a newcomer that
    // fits now overtakes nobody who could run.
    if (this.fits(key)) {
      this.take(key);
      return Promise.resolve();
    }
    if (this.queued.filter((w) => w.key.caller === key.caller).length >= this.options.maxQueuedPerCaller) {
      return Promise.reject(refused("Too many requests are waiting for this caller"));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        key,
        since: performance.now(),
        grant: resolve,
        timer: setTimeout(() => {
          this.queued.splice(this.queued.indexOf(waiter), 1);
          reject(refused("The server is busy with this organisation's or caller's other requests"));
        }, this.options.maxWaitMs),
      };
      this.queued.push(waiter);
    });
  }

  private release(key: ShareKey): void {
    this.running--;
    decrement(this.byOrg, key.orgId);
    decrement(this.byCaller, key.caller);
    this.dispatch();
  }

  /** Grants freed slots: among waiters that fit, the organisation running least goes first, then the oldest. */
  private dispatch(): void {
    for (;;) {
      let best: Waiter | undefined;
      for (const w of this.queued) {
        if (!this.fits(w.key)) continue;
        if (!best) best = w;
        else {
          const a = this.byOrg.get(w.key.orgId) ?? 0;
          const b = this.byOrg.get(best.key.orgId) ?? 0;
          if (a < b || (a === b && w.since < best.since)) best = w;
        }
      }
      if (!best) return;
      this.queued.splice(this.queued.indexOf(best), 1);
      clearTimeout(best.timer);
      this.take(best.key);
      best.grant();
    }
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 1) - 1;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}

function refused(reason: string): AppError {
  return new AppError("rate_limited", 429, `${reason}; try again in ${RETRY_AFTER_SECONDS} s.`, { details: { retryAfterSeconds: RETRY_AFTER_SECONDS } });
}
