/**
 * The data directory: embedded Postgres, clones and generated secrets live here.
 * `prepareDataDir` makes sure it exists and is writable, failing with one clear line if not;
 * `requireExistingDatabase` is what maintenance commands use instead: they never create one.
 */
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { AppError } from "./errors.js";

/**
 * Creates the directory if needed and proves it is writable.
 * @throws AppError("data_dir_unwritable") naming the path and the cause.
 */
export async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    // 0755, not 0700: when run as root, embedded Postgres runs as the `postgres` user and
    // must traverse this directory. Secret files inside are 0600 on their own.
    await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
    const probe = path.join(dataDir, `.write-test-${process.pid}`);
    await fs.writeFile(probe, "ok");
    await fs.rm(probe);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new AppError("data_dir_unwritable", 500, `The data directory ${dataDir} is not writable (${reason}); set CTXPIPE_DATA_DIR to a writable path.`, {
      expose: true,
      cause: err,
    });
  }
}

/**
 * For commands that work on an existing instance (admin, secrets, backup, doctor, restore
 * --force): with no DATABASE_URL, the data directory must already hold an embedded Postgres
 * cluster. Checks only; creates nothing (run from the wrong directory, such a command would
 * otherwise make a new empty instance there and report on it).
 * @throws AppError("database_not_found") naming CTXPIPE_DATA_DIR, DATABASE_URL and the directory.
 */
export function requireExistingDatabase(dataDir: string, databaseUrl: string | undefined): void {
  if (databaseUrl) return;
  if (existsSync(path.join(dataDir, "postgres", "PG_VERSION"))) return;
  throw new AppError(
    "database_not_found",
    404,
    `No database found: DATABASE_URL is not set and ${dataDir} holds no embedded Postgres; set CTXPIPE_DATA_DIR to the instance's data directory or DATABASE_URL to its database (\`ctxpipe migrate\` creates a new instance).`,
    { expose: true },
  );
}
