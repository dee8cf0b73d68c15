/**
 * The backup archive: a gzip-compressed tar holding `manifest.json` (format and schema
 * versions, the tables with their columns, row counts and checksums), `secrets.json` (the
 * generated secrets of an embedded instance, when present) and one `tables/<schema>.<table>.copy`
 * per table in Postgres COPY text format, in an order that satisfies foreign keys.
 *
 * `signature.json` follows (HMAC-SHA256 of the manifest and the secrets entry, with a key
 * derived by HKDF from the instance's encryption key): the manifest holds each table's
 * checksum, so a verified signature covers every byte restored. Restore refuses an unencrypted
 * archive whose signature does not verify with its own key material, unless --allow-unsigned.
 *
 * With a passphrase the whole archive is encrypted: a magic line, a scrypt salt and an
 * AES-256-GCM nonce, the ciphertext, and the 16-byte authentication tag at the end (checked
 * before anything is restored: a wrong passphrase or a changed byte fails the whole restore).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
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

/** The signature entry: which key signed (a fingerprint, not the key) and the MAC. */
export interface BackupSignature {
  algorithm: "hmac-sha256";
  /** First 16 hex characters of the SHA-256 of the derived signing key. */
  keyId: string;
  mac: string;
}

/** An instance's key material for backup signatures; `authSecret` only when the operator set it (not made up). */
export interface BackupKeys {
  encryptionKey: Buffer | undefined;
  previousEncryptionKeys: Buffer[];
  authSecret: string | undefined;
}

/** What a backup is signed with: the encryption key in use, else AUTH_SECRET; undefined: nothing to sign with. */
export function signingMaterial(keys: BackupKeys): Buffer | undefined {
  return keys.encryptionKey ?? (keys.authSecret ? Buffer.from(keys.authSecret, "utf8") : undefined);
}

/** What this instance's own backups carry: written by `ctxpipe backup` and the worker's schedule alike. */
export interface InstanceBackup {
  mode: "embedded" | "external";
  /** Embedded mode: the generated secrets, which only the backup can bring back; external: none (the operator holds them). */
  secrets: BackupSecrets | undefined;
  /** What the manifest is signed with (`signingMaterial`). */
  signingMaterial: Buffer | undefined;
}

/**
 * The mode, secrets and signing material of this instance's backups. `authSecretFromEnvironment`:
 * AUTH_SECRET came from the environment (one generated or made up for a process is no
 * signing material another process could verify with).
 */
export function instanceBackup(
  config: { database: { url?: string }; authSecret: string; encryptionKey: Buffer | undefined; previousEncryptionKeys: Buffer[] },
  authSecretFromEnvironment: boolean,
): InstanceBackup {
  const embedded = !config.database.url;
  return {
    mode: embedded ? "embedded" : "external",
    secrets: embedded && config.encryptionKey ? { authSecret: config.authSecret, encryptionKey: config.encryptionKey.toString("hex") } : undefined,
    signingMaterial: signingMaterial({
      encryptionKey: config.encryptionKey,
      previousEncryptionKeys: config.previousEncryptionKeys,
      authSecret: authSecretFromEnvironment ? config.authSecret : undefined,
    }),
  };
}

/** What a restore verifies with: the current and previous encryption keys, and AUTH_SECRET. */
export function verificationMaterials(keys: BackupKeys): Buffer[] {
  return [keys.encryptionKey, ...keys.previousEncryptionKeys, keys.authSecret ? Buffer.from(keys.authSecret, "utf8") : undefined].filter(
    (k): k is Buffer => k !== undefined,
  );
}

/** The signing key of some key material (the 32-byte encryption key, or AUTH_SECRET's bytes): HKDF-SHA256. */
function signingKeyOf(material: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", material, Buffer.alloc(0), "ctxpipe/backup-manifest-signature/v1", 32));
}

/** What is signed: the manifest's and the secrets entry's exact bytes, each by its SHA-256. */
function signedText(manifest: Buffer, secrets: Buffer | undefined): string {
  const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");
  return `ctxpipe-backup-signature-v1\nmanifest ${digest(manifest)}\nsecrets ${secrets ? digest(secrets) : "-"}\n`;
}

/** Signs the manifest (and secrets) with a key derived from `material`. */
export function signManifest(material: Buffer, manifest: Buffer, secrets: Buffer | undefined): BackupSignature {
  const key = signingKeyOf(material);
  return {
    algorithm: "hmac-sha256",
    keyId: createHash("sha256").update(key).digest("hex").slice(0, 16),
    mac: createHmac("sha256", key).update(signedText(manifest, secrets)).digest("hex"),
  };
}

/** True when `signature` verifies with a key derived from one of `materials`. */
export function verifyManifest(signature: BackupSignature, materials: Buffer[], manifest: Buffer, secrets: Buffer | undefined): boolean {
  if (signature.algorithm !== "hmac-sha256" || typeof signature.mac !== "string" || !/^[0-9a-f]{64}$/.test(signature.mac)) return false;
  const given = Buffer.from(signature.mac, "hex");
  return materials.some((m) => timingSafeEqual(Buffer.from(signManifest(m, manifest, secrets).mac, "hex"), given));
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
