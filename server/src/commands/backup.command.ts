/**
 * `ctxpipe backup --out FILE` and `ctxpipe restore --from FILE [--force]` (docs/operations.md):
 * the command-line side of server/src/backup. Both take a passphrase from the first line of
 * standard input (--passphrase-stdin) or CTXPIPE_BACKUP_PASSPHRASE. Backup starts the
 * database without migrating it; restore starts it without migrating, builds the backup's
 * schema, adopts the backup's secrets (embedded mode) once it has checked the database may be
 * replaced, loads, and brings the schema up to this release. Into a new embedded instance (no
 * cluster yet) the cluster is built, loaded and migrated in a temporary directory and put in
 * place, with the secrets, only once all of that has succeeded: a restore killed half-way leaves
 * the data directory as it was (embedded-postgres.ts).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { type BackupKeys, instanceBackup, loadBackup, openBackup, RestoreRefused, verificationMaterials, writeBackup } from "../backup/index.js";
import type { Config } from "../platform/config/config.js";
import { adoptSecrets } from "../platform/config/runtime-secrets.js";
import { prepareDataDir, requireExistingDatabase } from "../platform/data-dir.js";
import { AppError } from "../platform/errors.js";
import type { Lifecycle } from "../platform/lifecycle.js";
import type { Logger } from "../platform/logging.js";
import { migrateJobQueue } from "../jobs/job-queue.js";
import { type Platform, startPlatform } from "../roles/platform.js";
import { BACKUP_USAGE, RESTORE_USAGE } from "./usage.js";

/** Most characters of a passphrase read from standard input. */
const MAX_PASSPHRASE = 1024;

const invalid = (message: string, usage: string) => new AppError("invalid_arguments", 400, `${message}\nUsage: ctxpipe ${usage}`, { expose: true });

/** What the commands need besides the configuration. */
export interface BackupCommandContext {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  readStdin: () => Promise<string>;
}

async function passphraseOf(flag: boolean | undefined, ctx: BackupCommandContext, usage: string): Promise<string | undefined> {
  if (!flag) return ctx.config.backupPassphrase;
  const text = await ctx.readStdin();
  if (text.length > MAX_PASSPHRASE) throw invalid(`--passphrase-stdin: at most ${MAX_PASSPHRASE} characters`, usage);
  const passphrase = text.split(/\r?\n/, 1)[0] ?? "";
  if (!passphrase) throw invalid("--passphrase-stdin: standard input is empty", usage);
  return passphrase;
}

/** The configuration with start-up migrations off: these commands decide when to migrate. */
const withoutMigrating = (config: Config): Config => ({ ...config, database: { ...config.database, migrateOnStart: false } });

/** The platform's key material for backup signatures (an AUTH_SECRET made up for this command is not). */
const keysOf = (platform: Platform): BackupKeys => ({
  encryptionKey: platform.config.encryptionKey,
  previousEncryptionKeys: platform.config.previousEncryptionKeys,
  authSecret: platform.authSecretSource === "environment" ? platform.config.authSecret : undefined,
});

/** Runs `ctxpipe backup`; answers the line to print. */
export async function runBackup(args: string[], ctx: BackupCommandContext): Promise<string> {
  const { values } = parseArgs({ args, strict: true, options: { out: { type: "string" }, "passphrase-stdin": { type: "boolean" } } });
  if (!values.out) throw invalid("missing --out FILE", BACKUP_USAGE);
  const passphrase = await passphraseOf(values["passphrase-stdin"], ctx, BACKUP_USAGE);
  const platform = await startPlatform(withoutMigrating(ctx.config), ctx.logger, {
    applicationName: "ctxpipe-backup",
    maintenance: true,
    requireMigrated: true,
    requireExisting: true,
    lifecycle: ctx.lifecycle,
  });
  const embedded = !ctx.config.database.url;
  const report = await writeBackup({
    db: platform.db,
    file: path.resolve(values.out),
    ...instanceBackup(platform.config, platform.authSecretSource === "environment"),
    passphrase,
  });
  const rows = report.manifest.tables.reduce((n, t) => n + t.rows, 0);
  const what = `backup written to ${report.file} (${report.bytes} bytes): ${report.manifest.tables.length} tables, ${rows} rows, schema ${report.manifest.schemaVersion}`;
  if (passphrase) return `${what}; encrypted with the passphrase (keep it: without it the backup cannot be restored)`;
  return embedded
    ? `${what}; it holds this instance's secrets (AUTH_SECRET and the encryption key): keep it like a password, or encrypt it with --passphrase-stdin`
    : `${what}; restoring it needs this instance's CONNECTION_SECRETS_ENCRYPTION_KEY and AUTH_SECRET`;
}

/** Runs `ctxpipe restore`; answers the line to print. */
export async function runRestore(args: string[], ctx: BackupCommandContext): Promise<string> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { from: { type: "string" }, force: { type: "boolean" }, "allow-unsigned": { type: "boolean" }, "passphrase-stdin": { type: "boolean" } },
  });
  if (!values.from) throw invalid("missing --from FILE", RESTORE_USAGE);
  // --force replaces an existing instance: say first when there is none here.
  if (values.force) requireExistingDatabase(ctx.config.dataDir, ctx.config.database.url);
  const passphrase = await passphraseOf(values["passphrase-stdin"], ctx, RESTORE_USAGE);
  let backup: Awaited<ReturnType<typeof openBackup>>;
  try {
    backup = await openBackup(path.resolve(values.from), passphrase);
  } catch (err) {
    throw new AppError("restore_refused", 400, (err as Error).message, { expose: true });
  }
  const embedded = !ctx.config.database.url;
  try {
    const platform = await startPlatform(withoutMigrating(ctx.config), ctx.logger, {
      applicationName: "ctxpipe-restore",
      maintenance: true,
      // --force replaces an existing instance: it must be there. Without it, restore may make a new one.
      requireExisting: Boolean(values.force),
      lifecycle: ctx.lifecycle,
      stageNewEmbeddedCluster: true,
    });
    const install = platform.installEmbeddedCluster;
    // An encrypted archive is authenticated by its passphrase; an unencrypted one by its signature.
    if (!backup.encrypted && !values["allow-unsigned"]) {
      const verdict = backup.signature(verificationMaterials(keysOf(platform)));
      if (verdict !== "verified") {
        throw new AppError(
          "restore_refused",
          400,
          verdict === "unsigned"
            ? "The archive is not signed, so nothing shows it is unchanged: nothing was restored; pass --allow-unsigned if you trust this file."
            : "The archive's signature does not verify with this instance's key (CONNECTION_SECRETS_ENCRYPTION_KEY, or the data directory's): it was changed, or written by an instance with another key. Nothing was restored; set CONNECTION_SECRETS_ENCRYPTION_KEY to the key of the instance that wrote it, or pass --allow-unsigned if you trust this file.",
          { expose: true },
        );
      }
    }
    const secrets = backup.secrets;
    const report = await loadBackup(platform.db, backup, {
      force: Boolean(values.force),
      logger: ctx.logger,
      // Only once the data is committed: a refused or failed restore leaves the secrets alone.
      onLoaded: async () => {
        // A staged cluster takes the secrets when it is put in place, below.
        if (embedded && secrets && !install) {
          await prepareDataDir(ctx.config.dataDir);
          await adoptSecrets(ctx.config.dataDir, ctx.logger, secrets);
        }
      },
    });
    await migrateJobQueue(platform.db.url, ctx.logger);
    if (install) {
      await platform.db.close();
      // Secrets first: killed between the two, the data directory has no cluster (the restore
      // is run again), never a restored cluster with the wrong secrets.
      if (secrets) await adoptSecrets(ctx.config.dataDir, ctx.logger, secrets);
      await install();
    }
    const { manifest } = backup;
    const notes = [
      `restored ${report.tables} tables (${report.rows} rows) from the backup of ${manifest.createdAt} (ctxpipe ${manifest.ctxpipeVersion}, schema ${manifest.schemaVersion})`,
      report.upgradedWith.length > 0 ? `then applied ${report.upgradedWith.length} newer migration(s)` : "",
      `${report.repositoriesToIndex} repositories will be re-indexed in the background once the worker starts (searchable as each finishes)`,
      embedded && secrets ? "the backup's AUTH_SECRET and encryption key are now this data directory's" : "",
      !embedded && manifest.mode === "embedded"
        ? "the backup came from an embedded instance: set CONNECTION_SECRETS_ENCRYPTION_KEY and AUTH_SECRET to the values in its secrets.json"
        : "",
    ];
    return notes.filter(Boolean).join("; ");
  } catch (err) {
    if (err instanceof RestoreRefused) throw new AppError("restore_refused", 409, err.message, { expose: true });
    throw err;
  } finally {
    backup.close();
  }
}
