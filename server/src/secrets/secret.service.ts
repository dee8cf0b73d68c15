/**
 * Per-organisation secrets (code-host tokens, app private keys) encrypted at rest in org_secrets.
 *
 * Each value is sealed by the SecretBox with associated data `org:<orgId>:secret:<id>`, so a
 * ciphertext copied to another row or org fails to decrypt. The row id is generated here,
 * before encrypting, for that reason. Reads and writes run in a tenant transaction (RLS);
 * only `rotateAllSecrets` crosses tenants. Plaintext is never logged nor put in errors.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { SecretBoxError, type SecretBox } from "../platform/crypto/secret-box.js";
import type { Database } from "../platform/db/database.js";
import { unsafeAcrossTenants, withTenant, type Queryable, type TenantScope } from "../platform/db/tenant.js";
import { AppError, invalidInput, notFound } from "../platform/errors.js";
import type { Logger } from "../platform/logging.js";

/** Largest plaintext accepted, in UTF-8 bytes. */
export const MAX_SECRET_BYTES = 64 * 1024;
/** Rows re-encrypted per transaction by `rotateAllSecrets`. */
const ROTATION_BATCH = 200;

const idSchema = z.string().uuid();
const inputSchema = z.object({
  purpose: z.string().min(1, "must not be empty").max(100, "at most 100 characters"),
  plaintext: z.string().refine((s) => Buffer.byteLength(s, "utf8") <= MAX_SECRET_BYTES, `at most ${MAX_SECRET_BYTES} bytes`),
});

/** What a secret is for (e.g. "github-app-private-key") and its value. */
export type SecretInput = z.infer<typeof inputSchema>;

/** Outcome of `rotateAllSecrets`. */
export interface RotationResult {
  /** The key every rotated value is now sealed with. */
  keyId: string;
  rotated: number;
  alreadyCurrent: number;
  /** Rows that could not be decrypted (unknown key or damaged); left unchanged. */
  failed: number;
}

/** The associated data binding a ciphertext to its org and row. */
const boundTo = (orgId: string, id: string) => `org:${orgId}:secret:${id}`;

function requireBox(box: SecretBox | undefined): SecretBox {
  if (box) return box;
  throw new AppError("encryption_key_missing", 500, "Set CONNECTION_SECRETS_ENCRYPTION_KEY (64 hex characters) to store secrets.", {
    expose: true,
  });
}

function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  throw invalidInput(`Invalid secret: ${fields.map((f) => `${f.path}: ${f.message}`).join("; ")}`, { fields });
}

/** A malformed id cannot name a row: answer as for a missing one. */
function parseId(id: string): string {
  if (!idSchema.safeParse(id).success) throw notFound("secret");
  return id;
}

/**
 * Encrypts and stores a secret for the scope's org.
 * @throws AppError invalid_input (sizes), encryption_key_missing (no key configured).
 */
export async function storeSecret(db: Database, box: SecretBox | undefined, scope: TenantScope, input: SecretInput, tx?: Queryable): Promise<{ id: string }> {
  const sealer = requireBox(box);
  const { purpose, plaintext } = parseInput(inputSchema, input);
  const id = randomUUID();
  const ciphertext = sealer.encrypt(plaintext, boundTo(scope.orgId, id));
  // Inside the caller's org-scoped transaction when given (the row commits with its owner).
  const insert = (q: Queryable) =>
    q.query("insert into org_secrets (id, org_id, purpose, ciphertext, key_id) values ($1, $2, $3, $4, $5)", [
      id,
      scope.orgId,
      purpose,
      ciphertext,
      sealer.currentKeyId,
    ]);
  if (tx) await insert(tx);
  else await withTenant(db, scope, insert);
  return { id };
}

/**
 * The plaintext of one of the org's secrets; `tx`: inside that transaction (scoped to the org).
 * @throws AppError not_found (absent or another org's), secret_unreadable (unknown key or tampered).
 */
export async function readSecret(db: Database, box: SecretBox | undefined, scope: TenantScope, id: string, tx?: Queryable): Promise<string> {
  const opener = requireBox(box);
  const secretId = parseId(id);
  const select = (q: Queryable) => q.query<{ ciphertext: string }>("select ciphertext from org_secrets where id = $1", [secretId]);
  const { rows } = tx ? await select(tx) : await withTenant(db, scope, select);
  if (!rows[0]) throw notFound("secret");
  try {
    return opener.decrypt(rows[0].ciphertext, boundTo(scope.orgId, secretId));
  } catch (err) {
    if (!(err instanceof SecretBoxError)) throw err;
    throw new AppError("secret_unreadable", 500, `Secret ${secretId} cannot be decrypted (${err.code}).`, { cause: err });
  }
}

/**
 * Replaces the value of one of the org's secrets (sealed with the current key); `tx`: inside
 * that transaction (scoped to the org).
 * @throws AppError not_found, invalid_input, encryption_key_missing.
 */
export async function replaceSecret(
  db: Database,
  box: SecretBox | undefined,
  scope: TenantScope,
  id: string,
  plaintext: string,
  tx?: Queryable,
): Promise<void> {
  const sealer = requireBox(box);
  const secretId = parseId(id);
  parseInput(inputSchema.shape.plaintext, plaintext);
  const ciphertext = sealer.encrypt(plaintext, boundTo(scope.orgId, secretId));
  const update = (q: Queryable) =>
    q.query("update org_secrets set ciphertext = $2, key_id = $3, updated_at = now() where id = $1", [secretId, ciphertext, sealer.currentKeyId]);
  const { rowCount } = tx ? await update(tx) : await withTenant(db, scope, update);
  if (!rowCount) throw notFound("secret");
}

/**
 * Deletes one of the org's secrets.
 * @throws AppError not_found.
 */
export async function deleteSecret(db: Database, scope: TenantScope, id: string): Promise<void> {
  const secretId = parseId(id);
  const { rowCount } = await withTenant(db, scope, (tx) => tx.query("delete from org_secrets where id = $1", [secretId]));
  if (!rowCount) throw notFound("secret");
}

/**
 * Cross-tenant maintenance: re-encrypts every secret not sealed with the current key, in
 * batches of one transaction each (rows locked while rewritten). A row that cannot be
 * decrypted is left as it is, counted in `failed` and logged by id. Safe to run again.
 * @throws AppError encryption_key_missing.
 */
export async function rotateAllSecrets(db: Database, box: SecretBox | undefined, logger: Logger): Promise<RotationResult> {
  const sealer = requireBox(box);
  const keyId = sealer.currentKeyId;
  const log = logger.child({ module: "secrets" });
  const reason = "rotate org secrets to the current encryption key";
  const alreadyCurrent = await unsafeAcrossTenants(db, reason, async (tx) => {
    const { rows } = await tx.query<{ n: number }>("select count(*)::int as n from org_secrets where key_id = $1", [keyId]);
    return rows[0]?.n ?? 0;
  });
  const result: RotationResult = { keyId, rotated: 0, alreadyCurrent, failed: 0 };
  let cursor: string | null = null;
  for (;;) {
    const batch = await unsafeAcrossTenants(db, reason, async (tx) => {
      const { rows } = await tx.query<{ id: string; org_id: string; ciphertext: string }>(
        `select id, org_id, ciphertext from org_secrets
          where key_id <> $1 and ($2::uuid is null or id > $2::uuid)
          order by id limit $3 for update`,
        [keyId, cursor, ROTATION_BATCH],
      );
      const ids: string[] = [];
      const sealed: string[] = [];
      for (const row of rows) {
        const associatedData = boundTo(row.org_id, row.id);
        try {
          sealed.push(sealer.encrypt(sealer.decrypt(row.ciphertext, associatedData), associatedData));
          ids.push(row.id);
        } catch (err) {
          if (!(err instanceof SecretBoxError)) throw err;
          log.warn({ secretId: row.id, reason: err.code }, "secret cannot be decrypted; left unrotated");
        }
      }
      if (ids.length > 0) {
        await tx.query(
          `update org_secrets s set ciphertext = v.ciphertext, key_id = $3, updated_at = now()
             from unnest($1::uuid[], $2::text[]) as v (id, ciphertext) where s.id = v.id`,
          [ids, sealed, keyId],
        );
      }
      return { scanned: rows.length, rotated: ids.length, lastId: rows.at(-1)?.id ?? null };
    });
    result.rotated += batch.rotated;
    result.failed += batch.scanned - batch.rotated;
    if (batch.scanned < ROTATION_BATCH) break;
    cursor = batch.lastId;
  }
  log.info({ ...result }, "secret rotation finished");
  return result;
}

/**
 * Tries to decrypt every stored secret with the configured keys (ctxpipe doctor): how many
 * there are and how many cannot be decrypted (sealed with a key that is not configured, or damaged).
 */
export async function checkAllSecrets(db: Database, box: SecretBox | undefined): Promise<{ total: number; undecryptable: number }> {
  const reason = "doctor: check that every org secret decrypts with the configured keys";
  let total = 0;
  let undecryptable = 0;
  let cursor: string | null = null;
  for (;;) {
    const rows = await unsafeAcrossTenants(db, reason, async (tx) => {
      const result = await tx.query<{ id: string; org_id: string; ciphertext: string }>(
        "select id, org_id, ciphertext from org_secrets where ($1::uuid is null or id > $1::uuid) order by id limit $2",
        [cursor, ROTATION_BATCH],
      );
      return result.rows;
    });
    for (const row of rows) {
      total++;
      try {
        if (!box) throw new SecretBoxError("unknown_key", "no key");
        box.decrypt(row.ciphertext, boundTo(row.org_id, row.id));
      } catch (err) {
        if (!(err instanceof SecretBoxError)) throw err;
        undecryptable++;
      }
    }
    if (rows.length < ROTATION_BATCH) return { total, undecryptable };
    cursor = rows.at(-1)!.id;
  }
}
