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
import { createLogger, scrubSecrets, type Logger } from "./platform/logging.js";
import { VERSION } from "./platform/version.js";
import { ADMIN_USAGE, SECRETS_USAGE } from "./commands/usage.js";
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
  -h, --help     Show this help
  -v, --version  Print the version

Configuration comes from the environment; see docs/configuration.md.
With DATABASE_URL unset, an embedded Postgres runs in $CTXPIPE_DATA_DIR/postgres.
`;

const ROLE_COMMANDS: Record<string, RoleName[]> = {
  serve: ["worker", "codesearch", "server"],
  server: ["server"],
  worker: ["worker"],
  codesearch: ["codesearch"],
};

/** Prints a one-line error and exits non-zero. */
function fail(message: string, logger?: Logger): never {
  const safe = scrubSecrets(message);
  logger?.fatal({ message: safe }, "start-up failed");
  process.stderr.write(`ctxpipe: ${safe}\n`);
  process.exit(1);
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

async function main(argv: string[]): Promise<void> {
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
    process.stdout.write(HELP);
    return;
  }
  const maintenance = ["migrate", "admin", "secrets"].includes(command);
  if (!maintenance && !(command in ROLE_COMMANDS)) {
    process.stderr.write(`ctxpipe: unknown command "${command}"\n\n${HELP}`);
    process.exit(2);
  }

  const config = loadConfigOrExit(maintenance ? "maintenance" : "roles");
  // Maintenance commands print their result on stdout, so their logs go to stderr.
  const logger = createLogger(config.logLevel, maintenance ? pino.destination(2) : undefined);
  const lifecycle = new Lifecycle(logger, config.shutdownTimeoutMs + 60_000);
  handleSignals(() => lifecycle.stop(), logger);

  if (maintenance) {
    try {
      // Everything after the command word belongs to the sub-command (its own flags included).
      const rest = argv.slice(argv.indexOf(command) + 1);
      // Loaded on demand: --help and --version stay instant, and a command loads only its own
      // code. Admin arguments are checked before the database starts.
      const admin = command === "admin" ? (await import("./commands/admin.command.js")).parseAdminCommand(rest) : undefined;
      // Maintenance commands migrate first, so they work on a fresh database too.
      const { startPlatform } = await import("./roles/platform.js");
      const platform = await startPlatform(config, logger, { applicationName: `ctxpipe-${command}`, forceMigrate: true, maintenance: true, lifecycle });
      let output = "migrations are up to date";
      if (admin) output = await admin.run(platform);
      if (command === "secrets") output = await (await import("./commands/secrets.command.js")).runSecretsCommand(platform, rest);
      await lifecycle.stop();
      process.stdout.write(`${output}\n`);
      return;
    } catch (err) {
      await lifecycle.stop();
      fail(isAppError(err) && err.expose ? err.message : `${command} failed: ${(err as Error).message}`, logger);
    }
  }

  const roles = ROLE_COMMANDS[command] ?? [];
  try {
    const { startRoles } = await import("./roles/run.js");
    const running = await startRoles(config, logger, roles, { lifecycle });
    logger.info({ roles, url: running.port !== undefined ? config.baseUrl : undefined }, "ctxpipe is ready");
  } catch (err) {
    fail(isAppError(err) && err.expose ? err.message : `start-up failed: ${(err as Error).message}`, logger);
  }
}

await main(process.argv.slice(2));
