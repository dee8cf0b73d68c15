/**
 * The encrypted secrets store on real Postgres: round trip, no plaintext at rest, tenant
 * isolation (RLS), ciphertexts bound to their org and row, size limits, and key rotation
 * across orgs.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { SecretBox } from "../../src/platform/crypto/secret-box.js";
import { createDatabase, type Database } from "../../src/platform/db/database.js";
import { isAppError } from "../../src/platform/errors.js";
import { createLogger } from "../../src/platform/logging.js";
import { deleteSecret, readSecret, replaceSecret, rotateAllSecrets, storeSecret } from "../../src/secrets/index.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";

const silent = createLogger("silent");

/** A fresh test database with both pools. */
async function openDatabase(): Promise<{ testDb: TestDatabase; db: Database }> {
  const testDb = await createTestDatabase();
  return { testDb, db: createDatabase({ url: testDb.url, poolSize: 4, logger: silent, applicationName: "secrets-test" }) };
}

/** Inserts an organisation row and returns its scope. */
async function createOrg(db: Database): Promise<{ orgId: string }> {
  const slug = `org-${randomBytes(5).toString("hex")}`;
  const { rows } = await db.unsafeSystem.query<{ id: string }>("insert into orgs (slug, name) values ($1, $1) returning id", [slug]);
  return { orgId: (rows[0] as { id: string }).id };
}

/** Asserts that `promise` rejects with an AppError of `code` and `status`. */
async function rejectsWith(promise: Promise<unknown>, code: string, status: number): Promise<void> {
  await assert.rejects(promise, (err: unknown) => isAppError(err) && err.code === code && err.status === status);
}

const newKey = () => randomBytes(32);

describe("secrets store", () => {
  let testDb: TestDatabase;
  let db: Database;
  const box = new SecretBox({ current: newKey() });
  before(async () => ({ testDb, db } = await openDatabase()));
  after(async () => {
    await db.close();
    await testDb.drop();
  });

  it("stores, reads, replaces and deletes a secret without plaintext at rest", async () => {
    const org = await createOrg(db);
    const { id } = await storeSecret(db, box, org, { purpose: "github-token", plaintext: "ghp_very-secret-value" });
    assert.equal(await readSecret(db, box, org, id), "ghp_very-secret-value");
    const stored = await db.unsafeSystem.query("select * from org_secrets where id = $1", [id]);
    assert.equal(stored.rows[0].org_id, org.orgId);
    assert.equal(stored.rows[0].purpose, "github-token");
    assert.equal(stored.rows[0].key_id, box.currentKeyId);
    assert.ok(!JSON.stringify(stored.rows).includes("very-secret"), "the table never holds the plaintext");

    await replaceSecret(db, box, org, id, "ghp_rotated-by-user");
    assert.equal(await readSecret(db, box, org, id), "ghp_rotated-by-user");
    await deleteSecret(db, org, id);
    await rejectsWith(readSecret(db, box, org, id), "not_found", 404);
    await rejectsWith(deleteSecret(db, org, id), "not_found", 404);
  });

  it("hides another organisation's secret with 404", async () => {
    const [orgA, orgB] = [await createOrg(db), await createOrg(db)];
    const { id } = await storeSecret(db, box, orgA, { purpose: "token", plaintext: "a-only" });
    await rejectsWith(readSecret(db, box, orgB, id), "not_found", 404);
    await rejectsWith(replaceSecret(db, box, orgB, id, "overwritten"), "not_found", 404);
    await rejectsWith(deleteSecret(db, orgB, id), "not_found", 404);
    await rejectsWith(readSecret(db, box, orgB, "not-a-uuid"), "not_found", 404);
    assert.equal(await readSecret(db, box, orgA, id), "a-only");
  });

  it("refuses a ciphertext copied to another org's row", async () => {
    const [orgA, orgB] = [await createOrg(db), await createOrg(db)];
    const a = await storeSecret(db, box, orgA, { purpose: "token", plaintext: "belongs-to-a" });
    const b = await storeSecret(db, box, orgB, { purpose: "token", plaintext: "belongs-to-b" });
    await db.unsafeSystem.query("update org_secrets set ciphertext = (select ciphertext from org_secrets where id = $1) where id = $2", [a.id, b.id]);
    await rejectsWith(readSecret(db, box, orgB, b.id), "secret_unreadable", 500);
    assert.equal(await readSecret(db, box, orgA, a.id), "belongs-to-a");
  });

  it("bounds purpose and plaintext sizes", async () => {
    const org = await createOrg(db);
    await rejectsWith(storeSecret(db, box, org, { purpose: "", plaintext: "x" }), "invalid_input", 400);
    await rejectsWith(storeSecret(db, box, org, { purpose: "p".repeat(101), plaintext: "x" }), "invalid_input", 400);
    const limit = "é".repeat(32 * 1024); // 64 KiB of UTF-8
    const { id } = await storeSecret(db, box, org, { purpose: "p".repeat(100), plaintext: limit });
    assert.equal(await readSecret(db, box, org, id), limit);
    await rejectsWith(storeSecret(db, box, org, { purpose: "big", plaintext: `${limit}x` }), "invalid_input", 400);
    await rejectsWith(replaceSecret(db, box, org, id, `${limit}x`), "invalid_input", 400);
  });

  it("explains a missing encryption key", async () => {
    const org = await createOrg(db);
    await assert.rejects(storeSecret(db, undefined, org, { purpose: "token", plaintext: "x" }), (err: unknown) => {
      assert.ok(isAppError(err));
      assert.equal(err.code, "encryption_key_missing");
      assert.equal(err.expose, true);
      assert.match(err.message, /CONNECTION_SECRETS_ENCRYPTION_KEY/);
      return true;
    });
    await rejectsWith(rotateAllSecrets(db, undefined, silent), "encryption_key_missing", 500);
  });
});

describe("secret rotation", () => {
  let testDb: TestDatabase;
  let db: Database;
  const [key1, key2, key3] = [newKey(), newKey(), newKey()];
  const box1 = new SecretBox({ current: key1 });
  const box2 = new SecretBox({ current: key2, previous: [key1] });
  const onlyKey2 = new SecretBox({ current: key2 });
  const stored: { scope: { orgId: string }; id: string; value: string }[] = [];
  before(async () => {
    ({ testDb, db } = await openDatabase());
    // More rows than one batch (200), spread over several orgs.
    const orgs = [await createOrg(db), await createOrg(db), await createOrg(db)];
    for (let i = 0; i < 230; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const scope = orgs[(i + j) % orgs.length] as { orgId: string };
          const value = `value-${i + j}`;
          const { id } = await storeSecret(db, box1, scope, { purpose: "token", plaintext: value });
          stored.push({ scope, id, value });
        }),
      );
    }
  });
  after(async () => {
    await db.close();
    await testDb.drop();
  });

  it("re-encrypts every org's secrets with the current key, once", async () => {
    assert.deepEqual(await rotateAllSecrets(db, box2, silent), { keyId: box2.currentKeyId, rotated: 230, alreadyCurrent: 0, failed: 0 });
    const { rows } = await db.unsafeSystem.query("select key_id, count(*)::int as n from org_secrets group by key_id");
    assert.deepEqual(rows, [{ key_id: box2.currentKeyId, n: 230 }]);
    for (const secret of stored) assert.equal(await readSecret(db, onlyKey2, secret.scope, secret.id), secret.value);
    await rejectsWith(readSecret(db, box1, stored[0]!.scope, stored[0]!.id), "secret_unreadable", 500);

    assert.deepEqual(await rotateAllSecrets(db, box2, silent), { keyId: box2.currentKeyId, rotated: 0, alreadyCurrent: 230, failed: 0 });
  });

  it("counts and logs by id a secret under an unknown key, and leaves it unchanged", async () => {
    const scope = stored[0]!.scope;
    const { id } = await storeSecret(db, new SecretBox({ current: key3 }), scope, { purpose: "token", plaintext: "sealed-with-key3" });
    const original = await db.unsafeSystem.query("select ciphertext, key_id from org_secrets where id = $1", [id]);
    let logs = "";
    const sink = new Writable({
      write: (chunk, _enc, done) => {
        logs += chunk.toString();
        done();
      },
    });
    const result = await rotateAllSecrets(db, box2, createLogger("info", sink));
    assert.deepEqual(result, { keyId: box2.currentKeyId, rotated: 0, alreadyCurrent: 230, failed: 1 });
    const afterRotate = await db.unsafeSystem.query("select ciphertext, key_id from org_secrets where id = $1", [id]);
    assert.deepEqual(afterRotate.rows, original.rows);
    assert.match(logs, new RegExp(`"secretId":"${id}".*"reason":"unknown_key"`));
    assert.ok(!logs.includes("sealed-with-key3") && !logs.includes(original.rows[0].ciphertext), "never logs content");
  });
});
