/**
 * The `ctxpipe` command: parses the command line and the environment, starts the chosen
 * roles, and turns SIGTERM/SIGINT into a graceful shutdown. The only module that reads
 * `process.env` (through parseConfig) and calls `process.exit`.
 */
import { parseArgs } from "node:util";
import { pino } from "pino";
import { ConfigError, parseConfig, type Config, type ConfigPurpose } from "./platform/config/config.js";
import { isAppError } from "./platform/errors.js";
import { Lifecycle } from "./platform/lifecycle.js";
import { createLogger, scrubSecrets, textDestination, type LogFormat, type Logger } from "./platform/logging.js";
import { VERSION } from "./platform/version.js";
import { ADMIN_USAGE, commandHelp, SECRETS_USAGE } from "./commands/usage.js";
import type { RoleName } from "./roles/run.js";

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

/**
 * Prints a one-line error on stderr and exits non-zero. The JSON log gets it too when logs
 * are JSON (collectors see why a process ended); a person at a terminal reads one line.
 */
function fail(message: string, logger: Logger | undefined, format: LogFormat): never {
  const safe = scrubSecrets(message);
  if (format === "json") logger?.fatal({ message: safe }, "failed");
  process.stderr.write(`ctxpipe: ${safe}\n`);
  process.exit(1);
}

/**
 * Takes `--log-format json|text` (or `=`) out of the arguments, wherever it is, so that
 * commands with their own strict options never see it.
 */
function takeLogFormat(argv: string[]): { format: LogFormat | undefined; rest: string[] } {
  const rest: string[] = [];
  let format: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--log-format") format = argv[++i] ?? "";
    else if (arg.startsWith("--log-format=")) format = arg.slice("--log-format=".length);
    else rest.push(arg);
  }
  if (format !== undefined && format !== "json" && format !== "text") {
    process.stderr.write(`ctxpipe: --log-format must be json or text (got "${format}")\n`);
    process.exit(2);
  }
  return { format, rest };
}

function loadConfigOrExit(purpose: ConfigPurpose): Config {
  try {
    return parseConfig(process.env, process.cwd(), purpose);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ctxpipe: ${err.message}\nSee docs/configuration.md.\n`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Stops gracefully on the first SIGTERM/SIGINT, also in the middle of start-up (whatever
 * started so far is stopped); a second signal forces exit.
 */
function handleSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    stop().then(
      () => {
        logger.info("shutdown complete");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

async function main(args: string[]): Promise<void> {
  const { format: askedFormat, rest: argv } = takeLogFormat(args);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" } },
  });
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const command = positionals[0] ?? "serve";
  if (values.help || command === "help") {
    // `ctxpipe <command> --help`, `ctxpipe help <command>`, `ctxpipe admin <command> --help`.
    const [topic, sub] = command === "help" ? positionals.slice(1) : positionals;
    const text = topic ? commandHelp(topic, sub) : HELP;
    if (text === undefined) {
      process.stderr.write(`ctxpipe: unknown command "${topic}"\n\n${HELP}`);
      process.exit(2);
    }
    process.stdout.write(text);
    return;
  }
  const maintenance = ["migrate", "admin", "secrets", "backup", "restore", "doctor"].includes(command);
  if (!maintenance && !(command in ROLE_COMMANDS)) {
    process.stderr.write(`ctxpipe: unknown command "${command}"\n\n${HELP}`);
    process.exit(2);
  }

  const config = loadConfigOrExit(maintenance ? "maintenance" : "roles");
  const format: LogFormat = askedFormat ?? (maintenance || process.stdout.isTTY ? "text" : "json");
  // Maintenance commands print their result on stdout, so their logs go to stderr (written
  // synchronously, so that the one-line error comes after them); as text, only their warnings
  // and errors (the result line says what happened).
  const stream = maintenance ? process.stderr : process.stdout;
  const level =
    maintenance && format === "text" && (pino.levels.values[config.logLevel] ?? Number.POSITIVE_INFINITY) < pino.levels.values.warn! ? "warn" : config.logLevel;
  const logger = createLogger(level, format === "json" ? (maintenance ? pino.destination({ dest: 2, sync: true }) : undefined) : textDestination(stream));
  const lifecycle = new Lifecycle(logger, config.shutdownTimeoutMs + 60_000);
  handleSignals(() => lifecycle.stop(), logger);

  if (maintenance) {
    try {
      // Everything after the command word belongs to the sub-command (its own flags included).
      const rest = argv.slice(argv.indexOf(command) + 1);
      // Loaded on demand: --help and --version stay instant, and a command loads only its own
      // code. Admin arguments are checked before the database starts.
      if (command === "doctor") {
        // Exit status 1 when a check failed, with every finding on stdout.
        const { runDoctorCommand } = await import("./commands/doctor.command.js");
        const { output, failed } = await runDoctorCommand(rest, { config, logger, lifecycle });
        await lifecycle.stop();
        process.stdout.write(`${output}\n`);
        if (failed) process.exit(1);
        return;
      }
      if (command === "backup" || command === "restore") {
        // They start the database themselves: restore must not migrate before it loads.
        const { runBackup, runRestore } = await import("./commands/backup.command.js");
        const { readStdinBounded } = await import("./commands/stdin.js");
        const ctx = { config, logger, lifecycle, readStdin: () => readStdinBounded(2048) };
        const output = command === "backup" ? await runBackup(rest, ctx) : await runRestore(rest, ctx);
        await lifecycle.stop();
        process.stdout.write(`${output}\n`);
        return;
      }
      const admin = command === "admin" ? (await import("./commands/admin.command.js")).parseAdminCommand(rest) : undefined;
      // Maintenance commands migrate first, so they work on a fresh database too.
      const { startPlatform } = await import("./roles/platform.js");
      // Only `migrate` may create a new instance: the others fail when no database is found.
      const platform = await startPlatform(config, logger, {
        applicationName: `ctxpipe-${command}`,
        forceMigrate: true,
        maintenance: true,
        requireExisting: command !== "migrate",
        lifecycle,
      });
      let output = "migrations are up to date";
      if (admin) output = await admin.run(platform);
      if (command === "secrets") output = await (await import("./commands/secrets.command.js")).runSecretsCommand(platform, rest);
      await lifecycle.stop();
      process.stdout.write(`${output}\n`);
      return;
    } catch (err) {
      await lifecycle.stop();
      fail(isAppError(err) && err.expose ? err.message : `${command} failed: ${(err as Error).message}`, logger, format);
    }
  }

  const roles = ROLE_COMMANDS[command] ?? [];
  try {
    const { startRoles } = await import("./roles/run.js");
    const running = await startRoles(config, logger, roles, { lifecycle });
    logger.info({ roles, url: running.port !== undefined ? config.baseUrl : undefined }, "ctxpipe is ready");
  } catch (err) {
    fail(isAppError(err) && err.expose ? err.message : `start-up failed: ${(err as Error).message}`, logger, format);
  }
}

await main(process.argv.slice(2));
