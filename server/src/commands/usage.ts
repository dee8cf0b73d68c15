/**
 * Help texts of every command, apart from the commands themselves, so that `ctxpipe --help`
 * and `ctxpipe <command> --help` print them without loading what the commands need.
 */

/** One admin command: its usage line and what it does. */
interface CommandHelp {
  usage: string;
  summary: string;
}

/** `ctxpipe admin` commands. */
export const ADMIN_COMMANDS: Record<string, CommandHelp> = {
  "create-user": {
    usage: "create-user --email E (--password-stdin | --password P) [--name N]",
    summary: "Create an e-mail and password account; prints its id. Not subject to AUTH_SIGN_UP.",
  },
  "create-org": { usage: "create-org --slug S --name N --owner E", summary: "Create an organisation owned by an existing user; prints its id." },
  "create-api-key": {
    usage: "create-api-key --email E --org S [--name N]",
    summary: "Create an API key for a member of an organisation; prints the key (shown once).",
  },
  "list-users": { usage: "list-users", summary: "List every user: e-mail, name, creation time and organisations (slug:role), tab-separated." },
  "reset-password": {
    usage: "reset-password --email E (--password-stdin | --password P)",
    summary: "Set a user's password; ends their sessions and revokes their OAuth app grants.",
  },
  "revoke-api-key": { usage: "revoke-api-key --id K", summary: "Revoke an API key by its id (from GET /api/v1/orgs/{org}/api-keys)." },
};

/** `ctxpipe admin` usage lines. */
export const ADMIN_USAGE = Object.values(ADMIN_COMMANDS)
  .map((c) => `  admin ${c.usage}`)
  .join("\n");

/** `ctxpipe backup` usage. */
export const BACKUP_USAGE = "backup --out FILE [--passphrase-stdin]";
/** `ctxpipe restore` usage. */
export const RESTORE_USAGE = "restore --from FILE [--force] [--allow-unsigned] [--passphrase-stdin]";

/** `ctxpipe secrets` usage. */
export const SECRETS_USAGE = `  secrets rotate   Re-encrypt every stored secret with the current key
  ${BACKUP_USAGE}
                Write an archive of the database (docs/operations.md)
  ${RESTORE_USAGE}
                Restore an archive into an empty instance
  doctor [--json]
                Check this deployment against the production-readiness checklist`;

const ROLE_NOTE = `
Configuration comes from the environment (docs/configuration.md). With DATABASE_URL unset,
an embedded Postgres runs in $CTXPIPE_DATA_DIR/postgres.

Options:
  --log-format F  json (one JSON object per line) or text; default: text on a terminal, else json
  -h, --help      Show this help`;

/** Help of each top-level command, for `ctxpipe <command> --help`. */
const COMMAND_HELP: Record<string, string> = {
  serve: `Usage: ctxpipe serve [options]

Runs every role in one process: the public HTTP server (web app, REST, auth, MCP, webhooks),
the worker (background jobs) and codesearch (indexing). What \`npm start\` runs.
${ROLE_NOTE}`,
  server: `Usage: ctxpipe server [options]

Runs the public HTTP role: web app, REST (/api/v1), auth (/.auth), MCP (/mcp) and webhooks.
Run worker and codesearch apart, against the same DATABASE_URL and data directory.
${ROLE_NOTE}`,
  worker: `Usage: ctxpipe worker [options]

Runs the background job role (private): repository syncs, deletions, housekeeping.
${ROLE_NOTE}`,
  codesearch: `Usage: ctxpipe codesearch [options]

Runs the indexing role (private): clones, reads and indexes repositories.
${ROLE_NOTE}`,
  migrate: `Usage: ctxpipe migrate

Applies the database migrations, then exits. Needs only DATABASE_URL (or the embedded
database in the data directory).`,
  admin: `Usage: ctxpipe admin <command> [options]

Set-up and support against the configured database, whether or not the server runs.
Each command prints only its result; errors are one line on stderr.

Commands:
${Object.values(ADMIN_COMMANDS)
  .map((c) => `  ${c.usage}\n      ${c.summary}`)
  .join("\n")}

ctxpipe admin <command> --help shows one command.`,
  secrets: `Usage: ctxpipe secrets rotate

Re-encrypts every stored secret with CONNECTION_SECRETS_ENCRYPTION_KEY; set the old key in
CONNECTION_SECRETS_ENCRYPTION_KEY_PREVIOUS first (docs/operations.md).`,
  backup: `Usage: ctxpipe ${BACKUP_USAGE}

Writes one archive of the database (users, organisations, repositories and their settings,
connections, API keys, conversations, audit log; not the search index or the clones, which a
restore rebuilds), stamped with its format and schema versions. In embedded mode it carries
the generated AUTH_SECRET and encryption key: keep it like a password, or encrypt it with a
passphrase (first line of standard input, or CTXPIPE_BACKUP_PASSPHRASE).`,
  doctor: `Usage: ctxpipe doctor [--json]

Checks this deployment against the production-readiness checklist (docs/operations.md) and
prints each item as ok, warn or fail with its fix: HTTPS origin, public URL, allowed origins,
AUTH_SECRET strength, local repositories, stored secrets decrypting with the configured keys, the origin's
/.status, worker and codesearch heartbeats, migrations, the last backup's age and encryption, free disk in
the data directory, PostgreSQL version and settings. Exits 1 when a check fails.`,
  restore: `Usage: ctxpipe ${RESTORE_USAGE}

Restores an archive of \`ctxpipe backup\` into an empty instance (a fresh data directory, or a
new DATABASE_URL); --force replaces the contents of one in use. The schema of the backup is
built first and brought up to this release after loading; repositories are re-indexed in the
background once the worker starts. An unencrypted archive must carry a signature that verifies
with this instance's key (CONNECTION_SECRETS_ENCRYPTION_KEY, or the data directory's);
--allow-unsigned restores one that does not (only a file you trust).`,
};

/** The help of `command` (and an admin `sub`-command), or undefined for an unknown one. */
export function commandHelp(command: string, sub?: string): string | undefined {
  if (command === "admin" && sub && ADMIN_COMMANDS[sub]) {
    const c = ADMIN_COMMANDS[sub];
    return `Usage: ctxpipe admin ${c.usage}\n\n${c.summary}\n`;
  }
  const text = COMMAND_HELP[command];
  return text === undefined ? undefined : `${text}\n`;
}
