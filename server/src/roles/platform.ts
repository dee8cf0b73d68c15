/**
 * What every role starts first: the data directory, generated secrets (embedded mode),
 * the database (embedded or DATABASE_URL), its pools and its migrations.
 */
import type { Config } from "../platform/config/config.js";
import { loadGeneratedSecrets } from "../platform/config/runtime-secrets.js";
import { prepareDataDir } from "../platform/data-dir.js";
import { createDatabase, type Database } from "../platform/db/database.js";
import { startEmbeddedPostgres } from "../platform/db/embedded-postgres.js";
import { migrate, pendingMigrations } from "../platform/db/migrator.js";
import { migrateJobQueue } from "../jobs/job-queue.js";
import { AppError } from "../platform/errors.js";
import { Lifecycle } from "../platform/lifecycle.js";
import type { Logger } from "../platform/logging.js";
import path from "node:path";

/** The started platform a role builds on. */
export interface Platform {
  /** Configuration with every secret resolved (authSecret is set). */
  config: Config & { authSecret: string };
  logger: Logger;
  db: Database;
  lifecycle: Lifecycle;
}

/** Options for `startPlatform`. */
export interface StartPlatformOptions {
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** Apply migrations even if the config would not (the `migrate` command). */
  forceMigrate?: boolean;
  /** Check that no migration is pending (roles); `migrate` itself skips the check. */
  requireMigrated?: boolean;
}

/**
 * Starts the database layer. On failure, whatever was started is stopped again.
 * @throws AppError with a one-line message (data dir, database, pending migrations).
 */
export async function startPlatform(config: Config, logger: Logger, options: StartPlatformOptions): Promise<Platform> {
  const lifecycle = new Lifecycle(logger);
  try {
    await prepareDataDir(config.dataDir);
    let url = config.database.url;
    let authSecret = config.authSecret;
    if (!url) {
      const secrets = await loadGeneratedSecrets(config.dataDir, logger);
      authSecret ??= secrets.authSecret;
      const embedded = await startEmbeddedPostgres({
        clusterDir: path.join(config.dataDir, "postgres"),
        password: secrets.postgresPassword,
        logger: logger.child({ module: "embedded-postgres" }),
      }).catch((err: unknown) => {
        throw new AppError("database_unavailable", 500, `Could not start the embedded Postgres: ${(err as Error).message}`, {
          expose: true,
          cause: err,
        });
      });
      lifecycle.onStop("embedded-postgres", () => embedded.stop());
      url = embedded.url;
    }
    if (!authSecret) throw new AppError("config_invalid", 500, "AUTH_SECRET is not set.", { expose: true });

    const db = createDatabase({ url, poolSize: config.database.poolSize, logger, applicationName: options.applicationName });
    lifecycle.onStop("database", () => db.close());
    await db.unsafeSystem.query("select 1").catch((err: unknown) => {
      throw new AppError("database_unavailable", 500, `Cannot connect to the database: ${(err as Error).message}`, {
        expose: true,
        cause: err,
      });
    });

    if (config.database.migrateOnStart || options.forceMigrate) {
      await migrate(db.unsafeSystem, logger);
      await migrateJobQueue(url, logger);
    } else if (options.requireMigrated) {
      const pending = await pendingMigrations(db.unsafeSystem);
      if (pending.length > 0) {
        throw new AppError(
          "migrations_pending",
          500,
          `The database needs ${pending.length} migration(s) (${pending[0]}…); run \`ctxpipe migrate\` first.`,
          { expose: true },
        );
      }
    }
    return { config: { ...config, authSecret }, logger, db, lifecycle };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
