/**
 * Reads a backup archive in order: its manifest (checked: format, version, this build knows its
 * schema version), its secrets if any, then its tables one by one as streams. The caller must
 * consume each table's stream before asking for the next.
 */
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { extract as tarExtract } from "tar-stream";
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupManifest,
  type BackupSecrets,
  type BackupSignature,
  decryptingStream,
  isEncrypted,
  verifyManifest,
} from "./backup-archive.js";

/** An archive opened for reading. */
export interface OpenedBackup {
  manifest: BackupManifest;
  secrets: BackupSecrets | undefined;
  /** True when the archive was encrypted (and so authenticated by its passphrase). */
  encrypted: boolean;
  /**
   * Checks the manifest's signature against `materials` (the restoring instance's key material):
   * `verified`, `unsigned` (no signature entry) or `mismatch` (changed, or signed with another key).
   */
  signature(materials: Buffer[]): "verified" | "unsigned" | "mismatch";
  /** The tables' data, in the manifest's order. */
  tables(): AsyncGenerator<{ name: string; data: Readable }>;
  /** Stops reading (on failure). */
  close(): void;
}

/** Most bytes of the manifest or the secrets entry. */
const MAX_SMALL_ENTRY = 16 * 1024 * 1024;

async function readSmall(stream: Readable, name: string): Promise<{ bytes: Buffer; value: unknown }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_SMALL_ENTRY) throw new Error(`The archive's ${name} is too large to be a ctxpipe backup's.`);
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  try {
    return { bytes, value: JSON.parse(bytes.toString("utf8")) };
  } catch {
    throw new Error(`The archive's ${name} is not valid JSON: is this a ctxpipe backup?`);
  }
}

/**
 * Opens `file`. An encrypted archive needs `passphrase` (and is authenticated before anything
 * is read from it).
 * @throws Error with a sentence: not a backup, encrypted without a passphrase, wrong passphrase,
 *   a format this build cannot read.
 */
export async function openBackup(file: string, passphrase?: string): Promise<OpenedBackup> {
  let source: Readable;
  const encrypted = await isEncrypted(file);
  if (encrypted) {
    if (!passphrase) throw new Error("The archive is encrypted: give its passphrase (--passphrase-stdin or CTXPIPE_BACKUP_PASSPHRASE).");
    source = await decryptingStream(file, passphrase);
  } else {
    source = createReadStream(file);
  }
  const gunzip = createGunzip();
  const extract = tarExtract();
  source.on("error", (err) => extract.destroy(err));
  gunzip.on("error", () => extract.destroy(new Error("The archive is not a gzip-compressed ctxpipe backup, or it is damaged.")));
  source.pipe(gunzip).pipe(extract);
  const entries = extract[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await entries.next();
    return done ? undefined : (value as unknown as Readable & { header: { name: string } });
  };

  const first = await next();
  if (first?.header.name !== "manifest.json") throw new Error("The archive does not start with a manifest: is this a ctxpipe backup?");
  const manifestEntry = await readSmall(first, "manifest");
  const manifest = manifestEntry.value as BackupManifest;
  if (manifest.format !== BACKUP_FORMAT) throw new Error("The archive's manifest is not a ctxpipe backup's.");
  if (manifest.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new Error(
      `The archive has format version ${manifest.formatVersion}; this ctxpipe reads up to ${BACKUP_FORMAT_VERSION}: restore with the release that wrote it.`,
    );
  }
  let pending = await next();
  let secrets: BackupSecrets | undefined;
  let secretsBytes: Buffer | undefined;
  if (pending?.header.name === "secrets.json") {
    const entry = await readSmall(pending, "secrets");
    secrets = entry.value as BackupSecrets;
    secretsBytes = entry.bytes;
    pending = await next();
  }
  let signature: BackupSignature | undefined;
  if (pending?.header.name === "signature.json") {
    signature = (await readSmall(pending, "signature")).value as BackupSignature;
    pending = await next();
  }
  return {
    manifest,
    secrets,
    encrypted,
    signature: (materials) => {
      if (!signature) return "unsigned";
      return verifyManifest(signature, materials, manifestEntry.bytes, secretsBytes) ? "verified" : "mismatch";
    },
    async *tables() {
      for (const table of manifest.tables) {
        if (pending?.header.name !== `tables/${table.name}.copy`) {
          throw new Error(`The archive is incomplete: expected the table ${table.name}, found ${pending?.header.name ?? "the end"}.`);
        }
        yield { name: table.name, data: pending };
        pending = await next();
      }
    },
    close: () => {
      extract.destroy();
      source.destroy();
    },
  };
}
