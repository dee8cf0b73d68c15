/**
 * Ordered shutdown. Components register a stop step as they start; `stop` runs the steps in
 * reverse order (last started, first stopped), each bounded by `stepTimeoutMs`, and never
 * throws. Signal handling lives in cli.ts.
 */
import type { Logger } from "./logging.js";

interface StopStep {
  name: string;
  run: () => Promise<void>;
}

/** Collects stop steps and runs them once. */
export class Lifecycle {
  private readonly steps: StopStep[] = [];
  private stopping: Promise<void> | undefined;

  /**
   * @param stepTimeoutMs upper bound for one step; a step still running then is abandoned
   *   (logged) so that shutdown always finishes.
   */
  constructor(
    private readonly logger: Logger,
    private readonly stepTimeoutMs = 70_000,
  ) {}

  /**
   * Registers a step to run at shutdown (after the steps registered later). A step registered
   * while the shutdown runs (a component whose start was under way) runs after the others, so
   * that a stop in the middle of start-up leaves nothing running.
   */
  onStop(name: string, run: () => Promise<void>): void {
    const step = { name, run };
    if (this.stopping) this.stopping = this.stopping.then(() => this.runStep(step));
    else this.steps.push(step);
  }

  /** Runs every stop step in reverse order; idempotent (answers the shutdown, late steps included). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of [...this.steps].reverse()) await this.runStep(step);
    })();
    return this.stopping;
  }

  private async runStep(step: StopStep): Promise<void> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish within ${this.stepTimeoutMs} ms`)), this.stepTimeoutMs);
    });
    try {
      await Promise.race([step.run(), deadline]);
      this.logger.debug({ step: step.name, ms: Date.now() - started }, "stopped");
    } catch (err) {
      this.logger.error({ err, step: step.name }, "stop step failed");
    } finally {
      clearTimeout(timer);
    }
  }
}
