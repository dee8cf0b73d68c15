/**
 * A node:test reporter for `npm test`'s runner: when several files share one process (see
 * run-tests.ts), it reports each file's own result as one line, `::ctxpipe-file {json}`, as
 * soon as the next file starts and at the end. Tests are counted as the spec reporter counts
 * them (suites are not tests); a file's time runs from its first test starting to its last one
 * ending, so the shared imports are not charged to any file.
 */
import type { TestEvent } from "node:test/reporters";

/** The prefix the runner looks for. */
export const FILE_RESULT_PREFIX = "::ctxpipe-file ";

/** One file's result, as the runner reads it. */
export interface FileReport {
  file: string;
  ms: number;
  passed: number;
  failed: number;
}

export default async function* fileReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let current: (FileReport & { started: number }) | undefined;
  const close = () => {
    if (!current) return "";
    const { started: _started, ...report } = current;
    current = undefined;
    return `${FILE_RESULT_PREFIX}${JSON.stringify(report)}\n`;
  };
  for await (const event of source) {
    if (event.type !== "test:dequeue" && event.type !== "test:pass" && event.type !== "test:fail" && event.type !== "test:complete") continue;
    const file = event.data.file;
    if (!file) continue;
    if (current?.file !== file) {
      const line = close();
      if (line) yield line;
      current = { file, ms: 0, passed: 0, failed: 0, started: Date.now() };
    }
    if (event.type === "test:complete") current.ms = Date.now() - current.started;
    // A suite's own failure (a hook that threw) counts once, as the spec reporter's summary does.
    const isSuite = "details" in event.data && event.data.details.type === "suite";
    if (event.type === "test:pass" && !isSuite && !event.data.skip && !event.data.todo) current.passed++;
    if (event.type === "test:fail") {
      const error = event.data.details.error as { failureType?: string } | undefined;
      if (!isSuite || error?.failureType !== "subtestsFailed") current.failed++;
    }
  }
  const line = close();
  if (line) yield line;
}
