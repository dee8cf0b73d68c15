/**
 * The time budget of one search, for the work done in this process: the scan loop and line
 * matching check it, and a search that runs out returns what it has as a partial result. The
 * database side is bounded separately (statement_timeout). While matching, a search hands the
 * event loop back every few milliseconds, so other requests (and /.status) are never stuck
 * behind it.
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/** Longest stretch of matching before a search lets other work run. */
const SLICE_MS = 10;

/** A deadline, and the turn-taking of the work that runs against it. */
export class WorkBudget {
  private sliceStart = performance.now();

  /** @param deadline a `performance.now()` time. */
  constructor(readonly deadline: number) {}

  /** A budget of `ms` from now. */
  static fromNow(ms: number): WorkBudget {
    return new WorkBudget(performance.now() + ms);
  }

  /** True once the deadline has passed. */
  expired(): boolean {
    return performance.now() > this.deadline;
  }

  /** Milliseconds left (0 when expired). */
  remainingMs(): number {
    return Math.max(0, this.deadline - performance.now());
  }

  /**
   * Yields to the event loop when this work has run for SLICE_MS since it last did; cheap to
   * call often. Resolves false once the deadline has passed.
   */
  async breathe(): Promise<boolean> {
    const now = performance.now();
    if (now - this.sliceStart >= SLICE_MS) {
      await nextTurn();
      this.sliceStart = performance.now();
    }
    return !this.expired();
  }
}
