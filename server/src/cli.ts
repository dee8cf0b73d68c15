/**
 * The `ctxpipe` command: gives runCli (commands/run-cli.ts) this process's arguments,
 * environment, standard streams and working directory, turns SIGTERM/SIGINT into a graceful
 * stop, and exits with the code it answers. The only module that reads `process.env` (besides
 * platform/config) and calls `process.exit`.
 */
import { runCli } from "./commands/run-cli.js";

/**
 * The first SIGTERM/SIGINT stops the command gracefully (roles stop whatever started so far,
 * also in the middle of start-up); a second one exits at once.
 */
const controller = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (controller.signal.aborted) {
    process.stderr.write(`ctxpipe: second ${signal}: exiting now\n`);
    process.exit(1);
  }
  controller.abort(signal);
};
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);

const code = await runCli(process.argv.slice(2), process.env, {
  stdout: process.stdout,
  stderr: process.stderr,
  // Opened only when a command reads it (an unread stdin would keep nothing alive, but stays untouched).
  get stdin() {
    return process.stdin;
  },
  cwd: process.cwd(),
  signal: controller.signal,
});
// Standard streams to pipes and files are written synchronously on Linux: nothing is lost.
process.exit(code);
