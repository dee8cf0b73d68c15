/**
 * What every role starts first: the data directory, generated secrets (embedded mode),
 * the database (embedded or DATABASE_URL), its pools and its migrations.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Config, ResolvedConfig } from "../platform/config/config.js";
import { loadGeneratedSecrets } from "../platform/config/runtime-secrets.js";
import { SecretBox } from "../platform/crypto/secret-box.js";
import { prepareDataDir, requireExistingDatabase } from "../platform/data-dir.js";
import { APP_ROLE, createDatabase, type Database } from "../platform/db/database.js";
import { startEmbeddedPostgres } from "../platform/db/embedded-postgres.js";
import { DatabaseNewerError, migrate, pendingMigrations, unknownMigrations } from "../platform/db/migrator.js";
import { migrateJobQueue } from "../jobs/job-queue.js";
import { AppError } from "../platform/errors.js";
import { Lifecycle } from "../platform/lifecycle.js";
import type { Logger } from "../platform/logging.js";

/** The started platform a role builds on. */
export interface Platform {
  /** Configuration with every secret resolved (authSecret is set): pass this one on, never the parsed one. */
  config: ResolvedConfig;
  /**
   * Where the AUTH_SECRET in use comes from: the environment, the data directory (generated,
   * embedded mode), or made up for this maintenance command only (signs nothing that outlives it).
   */
  authSecretSource: AuthSecretSource;
  /** Encrypts and decrypts secrets at rest; undefined when no key is configured (external mode). */
  secretBox: SecretBox | undefined;
  logger: Logger;
  db: Database;
  lifecycle: Lifecycle;
  /**
   * Set when `stageNewEmbeddedCluster` built a new embedded cluster: stops it and puts it in
   * the data directory (close `db` first). Without it the cluster is removed at stop.
   */
  installEmbeddedCluster?: () => Promise<void>;
}

/** Where the AUTH_SECRET in use comes from (see `Platform.authSecretSource`). */
export type AuthSecretSource = "environment" | "generated" | "ephemeral";

/** Options for `startPlatform`. */
export interface StartPlatformOptions {
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** Apply migrations even if the config would not (the `migrate` command). */
  forceMigrate?: boolean;
  /** Check that no migration is pending (roles); `migrate` itself skips the check. */
  requireMigrated?: boolean;
  /** A maintenance command (migrate, admin, secrets): AUTH_SECRET is optional. */
  maintenance?: boolean;
  /**
   * Work on an existing instance only (maintenance commands but `migrate` and a restore into a
   * new instance): never create the data directory or an embedded cluster; with no database
   * found, fail with AppError("database_not_found").
   */
  requireExisting?: boolean;
  /** Register stop steps here instead of a new Lifecycle (lets the CLI stop a half-started process). */
  lifecycle?: Lifecycle;
  /**
   * Embedded mode, no cluster yet (a restore into a new instance): build it in a temporary
   * directory, put in place only by `Platform.installEmbeddedCluster` (see embedded-postgres.ts).
   */
  stageNewEmbeddedCluster?: boolean;
}

/**
 * Starts the database layer. On failure, whatever was started is stopped again.
 * @throws AppError with a one-line message (data dir, database, pending migrations).
 */
export async function startPlatform(config: Config, logger: Logger, options: StartPlatformOptions): Promise<Platform> {
  const lifecycle = options.lifecycle ?? new Lifecycle(logger, config.shutdownTimeoutMs + 60_000);
  try {
    if (options.requireExisting) requireExistingDatabase(config.dataDir, config.database.url);
    // With DATABASE_URL, a command on an existing instance needs no data directory at all.
    if (!(options.requireExisting && config.database.url)) await prepareDataDir(config.dataDir);
    let url = config.database.url;
    let authSecret = config.authSecret;
    let authSecretSource: AuthSecretSource = "environment";
    let encryptionKey = config.encryptionKey;
    let installEmbeddedCluster: (() => Promise<void>) | undefined;
    if (!url) {
      const secrets = await loadGeneratedSecrets(config.dataDir, logger);
      if (!authSecret) {
        authSecret = secrets.authSecret;
        authSecretSource = "generated";
      }
      encryptionKey ??= Buffer.from(secrets.encryptionKey, "hex");
      const embedded = await startEmbeddedPostgres({
        clusterDir: path.join(config.dataDir, "postgres"),
        password: secrets.postgresPassword,
        logger: logger.child({ module: "embedded-postgres" }),
        staged: options.stageNewEmbeddedCluster,
      }).catch((err: unknown) => {
        throw new AppError("database_unavailable", 500, `Could not start the embedded Postgres: ${(err as Error).message}`, {
          expose: true,
          cause: err,
        });
      });
      lifecycle.onStop("embedded-postgres", () => embedded.stop());
      url = embedded.url;
      installEmbeddedCluster = embedded.install;
    }
    if (!authSecret) {
      // Maintenance commands (migrate, admin, secrets) sign nothing that outlives them.
      if (!options.maintenance) throw new AppError("config_invalid", 500, "AUTH_SECRET is not set.", { expose: true });
      authSecret = randomBytes(32).toString("base64url");
      authSecretSource = "ephemeral";
    }

    const db = createDatabase({ url, poolSize: config.database.poolSize, logger, applicationName: options.applicationName });
    lifecycle.onStop("database", () => db.close());
    await db.unsafeSystem.query("select 1").catch((err: unknown) => {
      throw new AppError("database_unavailable", 500, `Cannot connect to the database: ${(err as Error).message}`, {
        expose: true,
        cause: err,
      });
    });

    // Start-up refuses a database a newer release has migrated (rollback: restore a backup).
    const newer = await unknownMigrations(db.unsafeSystem);
    if (newer.length > 0) throw new AppError("database_newer", 500, new DatabaseNewerError(newer).message, { expose: true });
    if (config.database.migrateOnStart || options.forceMigrate) {
      await migrate(db.unsafeSystem, logger);
      await migrateJobQueue(url, logger);
    } else if (options.requireMigrated) {
      const pending = await pendingMigrations(db.unsafeSystem);
      if (pending.length > 0) {
        throw new AppError("migrations_pending", 500, `The database needs ${pending.length} migration(s) (${pending[0]}…); run \`ctxpipe migrate\` first.`, {
          expose: true,
        });
      }
    }
    if (options.requireMigrated || options.forceMigrate || config.database.migrateOnStart) await assertAppRole(db);
    const secretBox = encryptionKey ? new SecretBox({ current: encryptionKey, previous: config.previousEncryptionKeys }) : undefined;
    return { config: { ...config, authSecret, encryptionKey }, authSecretSource, secretBox, logger, db, lifecycle, installEmbeddedCluster };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}

/**
 * Fails closed when the app pool does not run as the non-owner role: a connection pooler that
 * drops start-up options would otherwise make every query bypass row-level security.
 */
async function assertAppRole(db: Database): Promise<void> {
  const { rows } = await db.app.query<{ role: string; owner: boolean }>(
    "select current_user as role, exists (select 1 from pg_tables where schemaname = 'public' and tableowner = current_user) as owner",
  );
  const row = rows[0];
  if (row?.role !== APP_ROLE || row.owner) {
    throw new AppError(
      "database_role_unsafe",
      500,
      `Application connections run as "${row?.role}", not "${APP_ROLE}"; row-level security would not apply. ` +
        "Connect directly or through a pooler that keeps start-up options (see docs/operations.md).",
      { expose: true },
    );
  }
}
