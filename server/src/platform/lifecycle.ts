/**
 * Ordered shutdown. Components register a stop step as they start; `stop` runs the steps in
 * reverse order (last started, first stopped), each bounded by the shutdown deadline, and
 * never throws. Signal handling lives in cli.ts.
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

  constructor(private readonly logger: Logger) {}

  /** Registers a step to run at shutdown (after the steps registered later). */
  onStop(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  /** Runs every stop step in reverse order; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        const started = Date.now();
        try {
          await step.run();
          this.logger.debug({ step: step.name, ms: Date.now() - started }, "stopped");
        } catch (err) {
          this.logger.error({ err, step: step.name }, "stop step failed");
        }
      }
    })();
    return this.stopping;
  }
}
