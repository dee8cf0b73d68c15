/**
 * Scheduled backups (CTXPIPE_BACKUP_DIR): the worker role writes `ctxpipe-<time>.tar.gz`
 * (`.enc` when CTXPIPE_BACKUP_PASSPHRASE is set) into the directory when the last backup is
 * older than the interval, then keeps the newest CTXPIPE_BACKUP_KEEP archives of that
 * directory and deletes the rest. With several workers, an advisory lock and the
 * `backup_runs` ledger make one of them write each backup.
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { Database } from "../platform/db/database.js";
import type { Logger } from "../platform/logging.js";
import type { BackupSecrets } from "./backup-archive.js";
import { writeBackup } from "./backup-writer.js";

/** The schedule's settings. */
export interface BackupSchedule {
  dir: string;
  intervalMinutes: number;
  keep: number;
  passphrase: string | undefined;
}

/** Key of the advisory lock that lets one worker back up at a time. */
const BACKUP_LOCK_KEY = 727_017;
/** How often the loop looks whether a backup is due. */
const TICK_MS = 60_000;
const ARCHIVE = /^ctxpipe-\d{8}T\d{6}Z\.tar\.gz(\.enc)?$/;

/** Starts the loop (a first look right away); `stop` waits for a backup in progress. */
export function startBackupSchedule(input: {
  db: Database;
  schedule: BackupSchedule;
  mode: "embedded" | "external";
  secrets: BackupSecrets | undefined;
  /** Key material the manifests are signed with (backup-archive.ts `signingMaterial`). */
  signingMaterial: Buffer | undefined;
  logger: Logger;
}): { stop(): Promise<void> } {
  const log = input.logger.child({ module: "backup-schedule" });
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  // One look at a time: a tick while a backup is written waits behind it, and stop() waits for both.
  const tick = () => {
    running = running.then(() => (stopped ? undefined : backUpIfDue(input, log))).catch((err: unknown) => log.error({ err }, "scheduled backup failed"));
  };
  tick();
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, TICK_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

async function backUpIfDue(input: Parameters<typeof startBackupSchedule>[0], log: Logger): Promise<void> {
  const { db, schedule } = input;
  const client = await db.unsafeSystem.connect();
  // A session that may still hold the lock (its unlock failed) is closed, not pooled.
  let unlocked = true;
  try {
    const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [BACKUP_LOCK_KEY]);
    if (!rows[0]?.locked) return;
    try {
      const due = await client.query<{ due: boolean }>("select coalesce(max(finished_at) < now() - $1 * interval '1 minute', true) as due from backup_runs", [
        schedule.intervalMinutes,
      ]);
      if (!due.rows[0]?.due) return;
      await fs.mkdir(schedule.dir, { recursive: true, mode: 0o700 });
      const stamp = new Date()
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z");
      const file = path.join(schedule.dir, `ctxpipe-${stamp}.tar.gz${schedule.passphrase ? ".enc" : ""}`);
      // Staged beside the archives, not in the temporary directory (often small, or a container's own disk).
      const report = await writeBackup({
        db,
        file,
        mode: input.mode,
        secrets: input.secrets,
        signingMaterial: input.signingMaterial,
        passphrase: schedule.passphrase,
        workDir: schedule.dir,
      });
      log.info({ file, bytes: report.bytes, schemaVersion: report.manifest.schemaVersion }, "scheduled backup written");
      await prune(schedule, log);
    } finally {
      unlocked = await client.query("select pg_advisory_unlock($1)", [BACKUP_LOCK_KEY]).then(
        () => true,
        () => false,
      );
    }
  } finally {
    client.release(!unlocked);
  }
}

/** Deletes the directory's oldest archives beyond `keep` (names sort by time). */
async function prune(schedule: BackupSchedule, log: Logger): Promise<void> {
  const archives = (await fs.readdir(schedule.dir)).filter((n) => ARCHIVE.test(n)).sort();
  for (const name of archives.slice(0, Math.max(0, archives.length - schedule.keep))) {
    await fs.rm(path.join(schedule.dir, name), { force: true });
    log.info({ file: name }, "old backup deleted");
  }
}
