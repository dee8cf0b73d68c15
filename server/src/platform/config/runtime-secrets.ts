/**
 * Secrets that embedded mode generates once and keeps in the data directory, so that a
 * single-machine install needs no set-up: the AUTH_SECRET and the embedded Postgres password.
 * With DATABASE_URL set nothing is generated: the operator supplies AUTH_SECRET.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logging.js";

interface GeneratedSecrets {
  authSecret: string;
  postgresPassword: string;
  /** 64 hex characters; used when CONNECTION_SECRETS_ENCRYPTION_KEY is unset. */
  encryptionKey: string;
}

/** File name, inside the data directory, of the generated secrets (mode 0600). */
export const GENERATED_SECRETS_FILE = "generated-secrets.json";

/**
 * Reads the generated secrets, creating the file on first use. Never logs the values.
 * @returns the secrets and whether they were created now.
 */
export async function loadGeneratedSecrets(dataDir: string, logger: Logger): Promise<GeneratedSecrets> {
  const file = path.join(dataDir, GENERATED_SECRETS_FILE);
  try {
    const parsed = JSON.parse(await fs.readFile(file, "utf8")) as Partial<GeneratedSecrets>;
    if (typeof parsed.authSecret === "string" && typeof parsed.postgresPassword === "string") {
      if (typeof parsed.encryptionKey === "string") return parsed as GeneratedSecrets;
      // Written by an older version: add the encryption key, keep everything else.
      const upgraded = { ...parsed, encryptionKey: randomBytes(32).toString("hex") } as GeneratedSecrets;
      await fs.writeFile(`${file}.tmp`, JSON.stringify(upgraded, null, 2), { mode: 0o600 });
      await fs.rename(`${file}.tmp`, file);
      return upgraded;
    }
    throw new Error(`${file} is incomplete; move it away to regenerate (sessions will be signed out)`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const secrets: GeneratedSecrets = {
    authSecret: randomBytes(32).toString("base64url"),
    postgresPassword: randomBytes(24).toString("base64url"),
    encryptionKey: randomBytes(32).toString("hex"),
  };
  // "wx": if another process created it meanwhile, read theirs instead of overwriting.
  try {
    await fs.writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return loadGeneratedSecrets(dataDir, logger);
    throw err;
  }
  logger.info({ file }, "generated AUTH_SECRET, the secrets encryption key and the embedded database password; they are kept in the data directory");
  return secrets;
}

/**
 * Makes a restored instance use the secrets its backup carried (AUTH_SECRET, so sessions and
 * tokens stay valid, and the encryption key of the stored secrets), keeping this data
 * directory's own database password.
 */
export async function adoptSecrets(dataDir: string, logger: Logger, secrets: { authSecret: string; encryptionKey: string }): Promise<void> {
  const current = await loadGeneratedSecrets(dataDir, logger);
  const file = path.join(dataDir, GENERATED_SECRETS_FILE);
  const adopted: GeneratedSecrets = { ...current, authSecret: secrets.authSecret, encryptionKey: secrets.encryptionKey };
  await fs.writeFile(`${file}.tmp`, JSON.stringify(adopted, null, 2), { mode: 0o600 });
  await fs.rename(`${file}.tmp`, file);
}
