/**
 * The backup archive: a gzip-compressed tar holding `manifest.json` (format and schema
 * versions, the tables with their columns, row counts and checksums), `secrets.json` (the
 * generated secrets of an embedded instance, when present) and one `tables/<schema>.<table>.copy`
 * per table in Postgres COPY text format, in an order that satisfies foreign keys.
 *
 * With a passphrase the whole archive is encrypted: a magic line, a scrypt salt and an
 * AES-256-GCM nonce, the ciphertext, and the 16-byte authentication tag at the end (checked
 * before anything is restored: a wrong passphrase or a changed byte fails the whole restore).
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";
import fs from "node:fs/promises";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { PassThrough, type Readable, type Writable } from "node:stream";

/** The archive format's name and version in the manifest. */
export const BACKUP_FORMAT = "ctxpipe-backup";
export const BACKUP_FORMAT_VERSION = 1;

/** One table in the archive. */
export interface BackupTable {
  /** `schema.table`. */
  name: string;
  columns: string[];
  rows: number;
  bytes: number;
  sha256: string;
}

/** What the archive holds. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  createdAt: string;
  ctxpipeVersion: string;
  /** The last migration applied to the database backed up. */
  schemaVersion: string;
  /** Embedded Postgres (secrets included) or an external DATABASE_URL. */
  mode: "embedded" | "external";
  /** Whether secrets.json is in the archive. */
  secrets: boolean;
  tables: BackupTable[];
  /** Tables left out: derived data rebuilt after a restore (the search index, the graph) and transient state. */
  excluded: string[];
}

/** The generated secrets of an embedded instance, as the data directory keeps them. */
export interface BackupSecrets {
  authSecret: string;
  encryptionKey: string;
}

const MAGIC = Buffer.from("CTXPIPE-BACKUP-AES256GCM-1\n");
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The AES key of a passphrase and salt (scrypt, N=2^15: about 0.1 s, 32 MiB). */
function keyOf(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * Encrypts what is written to `input` into `out` (header first, tag last); `done` settles
 * when `out` has everything.
 */
export async function encryptTo(out: Writable, passphrase: string): Promise<{ input: Writable; done: Promise<void> }> {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", await keyOf(passphrase, salt), nonce);
  const input = new PassThrough();
  const done = pipeline(
    input,
    cipher,
    async function* (source: AsyncIterable<Buffer>) {
      yield Buffer.concat([MAGIC, salt, nonce]);
      for await (const chunk of source) yield chunk;
      // The cipher has been finalised once its output ends: the tag closes the file.
      yield cipher.getAuthTag();
    },
    out,
  );
  return { input, done };
}

/** True when the file is an encrypted archive. */
export async function isEncrypted(file: string): Promise<boolean> {
  const handle = await fs.open(file, "r");
  try {
    const head = Buffer.alloc(MAGIC.length);
    await handle.read(head, 0, MAGIC.length, 0);
    return head.equals(MAGIC);
  } finally {
    await handle.close();
  }
}

/**
 * The plaintext of an encrypted archive, as a stream. The authentication tag is checked by
 * reading the whole file once first, so that nothing is restored from a damaged or forged one.
 * @throws Error "wrong passphrase or damaged archive" when the tag does not match.
 */
export async function decryptingStream(file: string, passphrase: string): Promise<Readable> {
  const { size } = await fs.stat(file);
  const header = MAGIC.length + SALT_BYTES + NONCE_BYTES;
  if (size < header + TAG_BYTES) throw new Error("The archive is too short to be a ctxpipe backup.");
  const handle = await fs.open(file, "r");
  const head = Buffer.alloc(header);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    await handle.read(head, 0, header, 0);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  const key = await keyOf(passphrase, head.subarray(MAGIC.length, MAGIC.length + SALT_BYTES));
  const nonce = head.subarray(MAGIC.length + SALT_BYTES);
  const open = () => {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAuthTag(tag);
    return createReadStream(file, { start: header, end: size - TAG_BYTES - 1 }).pipe(decipher);
  };
  // First pass: authenticate (GCM checks the tag at the end of the stream).
  try {
    for await (const _chunk of open()) {
      // Only the tag check matters here.
    }
  } catch {
    throw new Error("Wrong passphrase, or the archive is damaged: nothing was restored.");
  }
  return open();
}
