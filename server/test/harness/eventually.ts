/**
 * The one way tests wait for something to become true: `eventually` retries an assertion until
 * it passes, instead of a fixed sleep or a hand-written poll loop. Tests never assert timings;
 * the timeout only bounds a wait that would otherwise hang.
 */

/** How long and how often `eventually` retries. */
export interface EventuallyOptions {
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
  /** Pause between two attempts (default 100 ms). */
  intervalMs?: number;
  /** Said in the error when the assertion never passed. */
  message?: string;
}

/**
 * Runs `fn` until it returns without throwing, and returns its value. `fn` asserts (throws)
 * while the awaited condition does not hold yet; each attempt starts after the previous one
 * settled, so a slow probe is never run twice at once.
 * @throws the last attempt's error, its message prefixed with `message` and the time waited.
 */
export async function eventually<T>(fn: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 100;
  const started = Date.now();
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() - started >= timeoutMs) {
        const reason = err instanceof Error ? err : new Error(String(err));
        const message = `${options.message ?? "condition not met"} after ${timeoutMs} ms: ${reason.message}`;
        // Reporters print the stack, which holds the message as it was when the error was made.
        if (reason.stack?.includes(reason.message)) reason.stack = reason.stack.replace(reason.message, message);
        reason.message = message;
        throw reason;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
