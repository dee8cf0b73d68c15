/**
 * The `ctxpipe` command as a function: `runCli(argv, env, io)` parses the command line and the
 * given environment, runs a maintenance command or starts the chosen roles, writes only to
 * `io`, and answers the exit code. It reads only the environment it is given, registers no
 * signal handler and never exits the process, so tests run commands in their own process;
 * cli.ts is the thin wrapper that gives it the real process.
 */
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { ConfigError, parseConfig, type Config, type ConfigPurpose } from "../platform/config/config.js";
import { isAppError } from "../platform/errors.js";
import { Lifecycle } from "../platform/lifecycle.js";
import { createLogger, scrubSecrets, textDestination, type LogFormat, type Logger } from "../platform/logging.js";
import { VERSION } from "../platform/version.js";
import type { RoleName } from "../roles/run.js";
import { ADMIN_USAGE, commandHelp, SECRETS_USAGE } from "./usage.js";

/** Where a command writes its text (process.stdout, or a test's collector). */
export interface CliOutput {
  write(text: string): unknown;
  /** A terminal: logs default to text instead of JSON. */
  isTTY?: boolean;
}

/** The process a command runs in, as runCli sees it. */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  /** Standard input (`--password-stdin`, `--passphrase-stdin`); empty when absent. */
  stdin?: NodeJS.ReadableStream;
  /** The working directory relative paths of the configuration resolve against (default: process.cwd()). */
  cwd?: string;
  /**
   * Stops the command: roles shut down gracefully and runCli answers once they have (also in
   * the middle of start-up); a maintenance command's resources are released. Without it,
   * roles run until the process ends. Its reason (e.g. "SIGTERM") is logged.
   */
  signal?: AbortSignal;
}

const HELP = `ctxpipe ${VERSION} — context platform for AI coding agents

Usage: ctxpipe <command> [options]

Commands:
  serve         Run every role in one process (default; what \`npm start\` runs)
  server        Run the public HTTP role: web app, REST, auth, MCP, webhooks
  worker        Run the background job role (private)
  codesearch    Run the indexing role (private)
  migrate       Apply database migrations, then exit
${ADMIN_USAGE}
${SECRETS_USAGE}

Options:
  -h, --help      Show this help; ctxpipe <command> --help shows one command
  -v, --version   Print the version
  --log-format F  json or text (default: text on a terminal and for maintenance
                  commands, json otherwise)

Configuration comes from the environment; see docs/configuration.md.
With DATABASE_URL unset, an embedded Postgres runs in $CTXPIPE_DATA_DIR/postgres.
`;

const ROLE_COMMANDS: Record<string, RoleName[]> = {
  serve: ["worker", "codesearch", "server"],
  server: ["server"],
  worker: ["worker"],
  codesearch: ["codesearch"],
};

/** The maintenance commands: they print a result and exit. */
const MAINTENANCE = ["migrate", "admin", "secrets", "backup", "restore", "doctor"];

/** Thrown inside runCli to end it with an exit code (the message is already written). */
class Exit {
  constructor(readonly code: number) {}
}

/**
 * Writes a one-line error on stderr and ends with exit code 1. The JSON log gets it too when
 * logs are JSON (collectors see why a process ended); a person at a terminal reads one line.
 */
function fail(io: CliIo, message: string, logger: Logger | undefined, format: LogFormat): Exit {
  const safe = scrubSecrets(message);
  if (format === "json") logger?.fatal({ message: safe }, "failed");
  io.stderr.write(`ctxpipe: ${safe}\n`);
  return new Exit(1);
}

/**
 * Takes `--log-format json|text` (or `=`) out of the arguments, wherever it is, so that
 * commands with their own strict options never see it.
 */
function takeLogFormat(io: CliIo, argv: string[]): { format: LogFormat | undefined; rest: string[] } {
  const rest: string[] = [];
  let format: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--log-format") format = argv[++i] ?? "";
    else if (arg.startsWith("--log-format=")) format = arg.slice("--log-format=".length);
    else rest.push(arg);
  }
  if (format !== undefined && format !== "json" && format !== "text") {
    io.stderr.write(`ctxpipe: --log-format must be json or text (got "${format}")\n`);
    throw new Exit(2);
  }
  return { format, rest };
}

function loadConfig(io: CliIo, env: Record<string, string | undefined>, purpose: ConfigPurpose): Config {
  try {
    return parseConfig(env, io.cwd ?? process.cwd(), purpose);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`ctxpipe: ${err.message}\nSee docs/configuration.md.\n`);
      throw new Exit(1);
    }
    throw err;
  }
}

/** A pino destination writing each line to `out` as it comes (synchronous for process streams on Linux). */
function lineDestination(out: CliOutput): pino.DestinationStream {
  return { write: (line: string) => void out.write(line) };
}

/**
 * Runs `ctxpipe <argv>` with `env` as its environment.
 * @returns the exit code: 0 done, 1 failed (one `ctxpipe: ...` line on stderr), 2 bad usage.
 *   For roles, once `io.signal` stopped them.
 */
export async function runCli(argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  try {
    await run(argv, env, io);
    return 0;
  } catch (err) {
    if (err instanceof Exit) return err.code;
    throw err;
  }
}

async function run(args: string[], env: Record<string, string | undefined>, io: CliIo): Promise<void> {
  const { format: askedFormat, rest: argv } = takeLogFormat(io, args);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" } },
  });
  if (values.version) {
    io.stdout.write(`${VERSION}\n`);
    return;
  }
  const command = positionals[0] ?? "serve";
  if (values.help || command === "help") {
    // `ctxpipe <command> --help`, `ctxpipe help <command>`, `ctxpipe admin <command> --help`.
    const [topic, sub] = command === "help" ? positionals.slice(1) : positionals;
    const text = topic ? commandHelp(topic, sub) : HELP;
    if (text === undefined) {
      io.stderr.write(`ctxpipe: unknown command "${topic}"\n\n${HELP}`);
      throw new Exit(2);
    }
    io.stdout.write(text);
    return;
  }
  const maintenance = MAINTENANCE.includes(command);
  if (!maintenance && !(command in ROLE_COMMANDS)) {
    io.stderr.write(`ctxpipe: unknown command "${command}"\n\n${HELP}`);
    throw new Exit(2);
  }

  const config = loadConfig(io, env, maintenance ? "maintenance" : "roles");
  const format: LogFormat = askedFormat ?? (maintenance || io.stdout.isTTY ? "text" : "json");
  // Maintenance commands print their result on stdout, so their logs go to stderr (written as
  // they come, so that the one-line error comes after them); as text, only their warnings and
  // errors (the result line says what happened).
  const stream = maintenance ? io.stderr : io.stdout;
  const level =
    maintenance && format === "text" && (pino.levels.values[config.logLevel] ?? Number.POSITIVE_INFINITY) < pino.levels.values.warn! ? "warn" : config.logLevel;
  const logger = createLogger(level, format === "json" ? lineDestination(stream) : textDestination(stream));
  const lifecycle = new Lifecycle(logger, config.shutdownTimeoutMs + 60_000);
  // The first abort stops whatever started so far, also in the middle of start-up.
  const { signal } = io;
  let stopping: Promise<void> | undefined;
  const onAbort = () => {
    logger.info({ signal: String(signal?.reason ?? "abort") }, "shutting down");
    stopping = lifecycle.stop();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (maintenance) await runMaintenance(command, argv, { config, logger, lifecycle, io, format });
    else await runRoles(command, { config, logger, lifecycle, io, format, stopped: () => stopping });
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

interface RunContext {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  io: CliIo;
  format: LogFormat;
}

async function runMaintenance(command: string, argv: string[], { config, logger, lifecycle, io, format }: RunContext): Promise<void> {
  const stdin = io.stdin ?? Readable.from([]);
  try {
    // Everything after the command word belongs to the sub-command (its own flags included).
    const rest = argv.slice(argv.indexOf(command) + 1);
    // Loaded on demand: --help and --version stay instant, and a command loads only its own
    // code. Admin arguments are checked before the database starts.
    if (command === "doctor") {
      // Exit status 1 when a check failed, with every finding on stdout.
      const { runDoctorCommand } = await import("./doctor.command.js");
      const { output, failed } = await runDoctorCommand(rest, { config, logger, lifecycle });
      await lifecycle.stop();
      io.stdout.write(`${output}\n`);
      if (failed) throw new Exit(1);
      return;
    }
    const { readStdinBounded } = await import("./stdin.js");
    if (command === "backup" || command === "restore") {
      // They start the database themselves: restore must not migrate before it loads.
      const { runBackup, runRestore } = await import("./backup.command.js");
      const ctx = { config, logger, lifecycle, readStdin: () => readStdinBounded(2048, stdin) };
      const output = command === "backup" ? await runBackup(rest, ctx) : await runRestore(rest, ctx);
      await lifecycle.stop();
      io.stdout.write(`${output}\n`);
      return;
    }
    const adminCommands = command === "admin" ? await import("./admin.command.js") : undefined;
    const admin = adminCommands?.parseAdminCommand(rest);
    // Maintenance commands migrate first, so they work on a fresh database too.
    const { startPlatform } = await import("../roles/platform.js");
    // Only `migrate` may create a new instance: the others fail when no database is found.
    const platform = await startPlatform(config, logger, {
      applicationName: `ctxpipe-${command}`,
      forceMigrate: true,
      maintenance: true,
      requireExisting: command !== "migrate",
      lifecycle,
    });
    let output = "migrations are up to date";
    if (admin && adminCommands) output = await admin.run(platform, { readStdin: () => readStdinBounded(adminCommands.MAX_STDIN_PASSWORD, stdin) });
    if (command === "secrets") output = await (await import("./secrets.command.js")).runSecretsCommand(platform, rest);
    await lifecycle.stop();
    io.stdout.write(`${output}\n`);
  } catch (err) {
    if (err instanceof Exit) throw err;
    await lifecycle.stop();
    throw fail(io, isAppError(err) && err.expose ? err.message : `${command} failed: ${(err as Error).message}`, logger, format);
  }
}

async function runRoles(
  command: string,
  { config, logger, lifecycle, io, format, stopped }: RunContext & { stopped: () => Promise<void> | undefined },
): Promise<void> {
  const roles = ROLE_COMMANDS[command] ?? [];
  try {
    const { startRoles } = await import("../roles/run.js");
    const running = await startRoles(config, logger, roles, { lifecycle });
    if (!stopped()) logger.info({ roles, url: running.port !== undefined ? config.baseUrl : undefined }, "ctxpipe is ready");
  } catch (err) {
    // Stopped during start-up: what started is stopped, and that is no failure.
    if (!stopped()) throw fail(io, isAppError(err) && err.expose ? err.message : `start-up failed: ${(err as Error).message}`, logger, format);
  }
  const { signal } = io;
  if (!signal) return new Promise<void>(() => {});
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  // The abort listener of run() has started the stop; wait for it to end (with the steps of
  // whatever finished starting after it).
  await lifecycle.stop();
  logger.info("shutdown complete");
}
