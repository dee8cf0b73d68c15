/**
 * The data directory: embedded Postgres, clones and generated secrets live here.
 * `prepareDataDir` makes sure it exists and is writable, failing with one clear line if not.
 */
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
