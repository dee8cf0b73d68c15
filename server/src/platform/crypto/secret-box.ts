/**
 * Encryption of secrets at rest (code-host tokens, API keys) with AES-256-GCM.
 *
 * Ciphertext format: `v1.<keyId>.<iv>.<ciphertext>.<tag>`, the last three base64url.
 * `keyId` is the first 12 hex chars of sha256(key), so a value names the key that sealed it
 * and keys can rotate: decrypt with any known key, re-encrypt with the current one.
 * Optional associated data (e.g. `org:<orgId>:secret:<id>`) binds a value to its row, so a
 * ciphertext copied elsewhere fails to decrypt. Errors never carry plaintext or key material.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const VERSION = "v1";
const ALGORITHM = "aes-256-gcm";
const [KEY_BYTES, IV_BYTES, TAG_BYTES] = [32, 12, 16];
const KEY_ID_PATTERN = /^[0-9a-f]{12}$/;

/** A key together with its id (first 12 hex chars of its sha256). */
export interface SecretKey {
  id: string;
  key: Buffer;
}

/** Why a value could not be decrypted. */
export type SecretBoxErrorCode = "unknown_key" | "malformed" | "tampered";

/** A decryption failure. The message never includes plaintext or key material. */
export class SecretBoxError extends Error {
  override readonly name = "SecretBoxError";
  constructor(
    readonly code: SecretBoxErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The id of a key: the first 12 hex chars of sha256 of its bytes. */
export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 12);
}

/** Parses a 64-hex-char key. Throws an Error (without the input) if it is not exactly that. */
export function parseKeyHex(hex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`secret key must be ${KEY_BYTES * 2} hex characters`);
  return Buffer.from(hex, "hex");
}

function malformed(reason: string): SecretBoxError {
  return new SecretBoxError("malformed", `secret is malformed: ${reason}`);
}

/** Decodes strict, canonical base64url (Node's decoder silently skips invalid characters). */
function decodeBase64url(text: string, what: string, expectedBytes?: number): Buffer {
  const bytes = Buffer.from(text, "base64url");
  if (bytes.toString("base64url") !== text) throw malformed(`${what} is not base64url`);
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) throw malformed(`${what} has the wrong length`);
  return bytes;
}

/** Splits a `v1.<keyId>.<iv>.<ciphertext>.<tag>` string, throwing "malformed" on any deviation. */
function parseSealed(ciphertext: string) {
  const parts = ciphertext.split(".");
  if (parts.length !== 5) throw malformed("wrong number of parts");
  const [version, keyId, iv, body, tag] = parts as [string, string, string, string, string];
  if (version !== VERSION) throw malformed("unsupported version");
  if (!KEY_ID_PATTERN.test(keyId)) throw malformed("invalid key id");
  return {
    keyId,
    iv: decodeBase64url(iv, "iv", IV_BYTES),
    body: decodeBase64url(body, "ciphertext"),
    tag: decodeBase64url(tag, "tag", TAG_BYTES),
  };
}

function toSecretKey(key: Buffer, role: string): SecretKey {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) throw new Error(`${role} secret key must be ${KEY_BYTES} bytes`);
  return { id: keyIdOf(key), key };
}

/** Encrypts with the current key; decrypts with the current or any previous key. */
export class SecretBox {
  private readonly current: SecretKey;
  private readonly keysById: Map<string, SecretKey>;

  /** Throws an Error if any key is not exactly 32 bytes. */
  constructor(keys: { current: Buffer; previous?: Buffer[] }) {
    this.current = toSecretKey(keys.current, "current");
    const previous = (keys.previous ?? []).map((key, index) => toSecretKey(key, `previous[${index}]`));
    this.keysById = new Map([...previous, this.current].map((secretKey) => [secretKey.id, secretKey]));
  }

  /** The id of the key new values are encrypted with. */
  get currentKeyId(): string {
    return this.current.id;
  }

  /** Encrypts `plaintext` under the current key with a random IV, binding `associatedData`. */
  encrypt(plaintext: string, associatedData?: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const encoded = [iv, body, cipher.getAuthTag()].map((part) => part.toString("base64url"));
    return [VERSION, this.current.id, ...encoded].join(".");
  }

  /**
   * Decrypts a value from `encrypt`. Throws SecretBoxError: "malformed" if it cannot be parsed,
   * "unknown_key" if its key is not configured, "tampered" if authentication fails
   * (changed bytes, wrong key or different associated data).
   */
  decrypt(ciphertext: string, associatedData?: string): string {
    const sealed = parseSealed(ciphertext);
    const secretKey = this.keysById.get(sealed.keyId);
    if (!secretKey) throw new SecretBoxError("unknown_key", `secret uses unknown key ${sealed.keyId}`);
    const decipher = createDecipheriv(ALGORITHM, secretKey.key, sealed.iv, { authTagLength: TAG_BYTES });
    if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, "utf8"));
    decipher.setAuthTag(sealed.tag);
    try {
      return Buffer.concat([decipher.update(sealed.body), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretBoxError("tampered", "secret failed authentication");
    }
  }

  /** True if the value was encrypted with a key other than the current one. Throws "malformed". */
  needsRotation(ciphertext: string): boolean {
    return parseSealed(ciphertext).keyId !== this.current.id;
  }

  /** Re-encrypts with the current key; returns the input unchanged if already current. Throws as `decrypt`. */
  rotate(ciphertext: string, associatedData?: string): string {
    if (!this.needsRotation(ciphertext)) return ciphertext;
    return this.encrypt(this.decrypt(ciphertext, associatedData), associatedData);
  }
}
