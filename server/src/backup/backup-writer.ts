/**
 * `ctxpipe backup`: one consistent snapshot of the database (every table but derived and
 * transient ones, read in one repeatable-read transaction with COPY) written as the archive
 * of backup-archive.ts, optionally encrypted. Clones, caches and the search index are not
 * copied: a restore rebuilds them. The archive appears under its name only when complete.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { to as copyTo } from "pg-copy-streams";
import { pack as tarPack } from "tar-stream";
import type { Database } from "../platform/db/database.js";
import { VERSION } from "../platform/version.js";
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, type BackupManifest, type BackupSecrets, type BackupTable, encryptTo, signManifest } from "./backup-archive.js";
import { backupTables, lastMigration, pinCopyFormat } from "./backup-tables.js";

/** What `writeBackup` reports. */
export interface BackupReport {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

/** Writes the backup of `db` to `file` (encrypted with `passphrase` when given). */
export async function writeBackup(input: {
  db: Database;
  file: string;
  mode: "embedded" | "external";
  secrets?: BackupSecrets;
  passphrase?: string;
  /** Key material the manifest is signed with (the encryption key, else AUTH_SECRET); undefined: unsigned. */
  signingMaterial?: Buffer;
  /** Where the tables are staged before they go into the archive (default: the temporary directory). */
  workDir?: string;
}): Promise<BackupReport> {
  const work = await fs.mkdtemp(path.join(input.workDir ?? os.tmpdir(), ".ctxpipe-backup-"));
  const partial = `${input.file}.partial`;
  try {
    const { manifest, files } = await snapshot(input.db, work, input);
    const out = createWriteStream(partial, { mode: 0o600 });
    let sink: Writable = out;
    let encrypted: Promise<void> | undefined;
    if (input.passphrase) {
      const { input: plain, done } = await encryptTo(out, input.passphrase);
      sink = plain;
      encrypted = done;
    }
    const tar = tarPack();
    const written = pipeline(tar, createGzip(), sink);
    // Observed from the start: a write failure (a full disk) rejects these while an entry is
    // still being added, and must fail this backup, not the process.
    const finished = Promise.all([written, encrypted]);
    finished.catch(() => {});
    const add = (name: string, body: Buffer) =>
      new Promise<void>((resolve, reject) => tar.entry({ name, size: body.length, mode: 0o600 }, body, (err) => (err ? reject(err) : resolve())));
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
    const secretsBytes = input.secrets ? Buffer.from(JSON.stringify(input.secrets)) : undefined;
    await add("manifest.json", manifestBytes);
    if (secretsBytes) await add("secrets.json", secretsBytes);
    if (input.signingMaterial) {
      await add("signature.json", Buffer.from(JSON.stringify(signManifest(input.signingMaterial, manifestBytes, secretsBytes))));
    }
    for (const table of manifest.tables) {
      const file = files.get(table.name)!;
      await new Promise<void>((resolve, reject) => {
        const entry = tar.entry({ name: `tables/${table.name}.copy`, size: table.bytes, mode: 0o600 }, (err) => (err ? reject(err) : resolve()));
        createReadStream(file).on("error", reject).pipe(entry);
      });
    }
    tar.finalize();
    await finished;
    await fs.rename(partial, input.file);
    const bytes = (await fs.stat(input.file)).size;
    // For `ctxpipe doctor`'s "last backup" check.
    await input.db.unsafeSystem.query("insert into backup_runs (schema_version, bytes, encrypted) values ($1, $2, $3)", [
      manifest.schemaVersion,
      bytes,
      Boolean(input.passphrase),
    ]);
    return { file: input.file, bytes, manifest };
  } catch (err) {
    await fs.rm(partial, { force: true });
    throw err;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Copies every table out in one snapshot; answers the manifest and each table's file. */
async function snapshot(
  db: Database,
  work: string,
  input: { mode: "embedded" | "external"; secrets?: BackupSecrets },
): Promise<{ manifest: BackupManifest; files: Map<string, string> }> {
  const client = await db.unsafeSystem.connect();
  let broken = false;
  const files = new Map<string, string>();
  try {
    await client.query("begin isolation level repeatable read read only");
    await pinCopyFormat(client);
    const { tables, excluded } = await backupTables(client);
    const schemaVersion = await lastMigration(client);
    const out: BackupTable[] = [];
    for (const table of tables) {
      const file = path.join(work, `${table.name}.copy`);
      const hash = createHash("sha256");
      let bytes = 0;
      let rows = 0;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          for (const byte of chunk) if (byte === 10) rows++;
          done(null, chunk);
        },
      });
      const columns = table.columns.map((c) => `"${c}"`).join(", ");
      await pipeline(client.query(copyTo(`copy ${table.quoted} (${columns}) to stdout`)), count, createWriteStream(file, { mode: 0o600 }));
      files.set(table.name, file);
      out.push({ name: table.name, columns: table.columns, rows, bytes, sha256: hash.digest("hex") });
    }
    await client.query("commit");
    return {
      manifest: {
        format: BACKUP_FORMAT,
        formatVersion: BACKUP_FORMAT_VERSION,
        createdAt: new Date().toISOString(),
        ctxpipeVersion: VERSION,
        schemaVersion,
        mode: input.mode,
        secrets: Boolean(input.secrets),
        tables: out,
        excluded,
      },
      files,
    };
  } catch (err) {
    // A session whose transaction could not be rolled back (its connection broke) is closed, not pooled.
    broken = !(await client.query("rollback").then(
      () => true,
      () => false,
    ));
    throw err;
  } finally {
    client.release(broken);
  }
}
