/**
 * `ctxpipe secrets rotate` as an operator runs it (runCli, in this process) against a test
 * database holding secrets sealed with an old key.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { SecretBox } from "../../src/platform/crypto/secret-box.js";
import { createDatabase, type Database } from "../../src/platform/db/database.js";
import { createLogger } from "../../src/platform/logging.js";
import { readSecret, storeSecret } from "../../src/secrets/index.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";
import { ctxpipe } from "./admin-cli-helpers.js";

describe("ctxpipe secrets rotate", () => {
  const [key1, key2, key3] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  const box2 = new SecretBox({ current: key2 });
  let testDb: TestDatabase;
  let db: Database;
  let dataDir: string;
  let env: Record<string, string>;
  const secrets: { id: string; value: string }[] = [];
  let scope: { orgId: string };

  before(async () => {
    testDb = await createTestDatabase();
    db = createDatabase({ url: testDb.url, poolSize: 2, logger: createLogger("silent"), applicationName: "secrets-cli-test" });
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-secrets-cli-"));
    env = { DATABASE_URL: testDb.url, AUTH_SECRET: "test-secret-test-secret-test-secret-0123", CTXPIPE_DATA_DIR: dataDir };
    const { rows } = await db.unsafeSystem.query<{ id: string }>("insert into orgs (slug, name) values ('cli-org', 'CLI') returning id");
    scope = { orgId: rows[0]!.id };
    const box1 = new SecretBox({ current: key1 });
    for (const value of ["one", "two", "three"]) {
      secrets.push({ id: (await storeSecret(db, box1, scope, { purpose: "token", plaintext: value })).id, value });
    }
  });
  after(async () => {
    await db.close();
    await testDb.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("re-encrypts with the new key when the old one is listed as previous", async () => {
    const run = await ctxpipe(["secrets", "rotate"], {
      ...env,
      CONNECTION_SECRETS_ENCRYPTION_KEY: key2.toString("hex"),
      CONNECTION_SECRETS_ENCRYPTION_KEY_PREVIOUS: `${randomBytes(32).toString("hex")},${key1.toString("hex")}`,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `rotated 3 secrets to key ${box2.currentKeyId}; 0 already current; 0 failed\n`);
    for (const { id, value } of secrets) assert.equal(await readSecret(db, box2, scope, id), value);
  });

  it("fails with one line when the key that sealed the secrets is not configured", async () => {
    const run = await ctxpipe(["secrets", "rotate"], { ...env, CONNECTION_SECRETS_ENCRYPTION_KEY: key3.toString("hex") });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.equal(run.stderr.split("\n").length, 2, run.stderr);
    assert.match(
      run.stderr,
      /^ctxpipe: rotated 0 secrets to key \w+; 0 already current; 3 failed: 3 secret\(s\) could not be decrypted; .*CONNECTION_SECRETS_ENCRYPTION_KEY_PREVIOUS/,
    );
    for (const { id, value } of secrets) assert.equal(await readSecret(db, box2, scope, id), value, "failed rows are left unchanged");
  });

  it("refuses to run without a key, and refuses unknown sub-commands", async () => {
    const noKey = await ctxpipe(["secrets", "rotate"], env);
    assert.equal(noKey.code, 1);
    assert.equal(noKey.stderr, "ctxpipe: Set CONNECTION_SECRETS_ENCRYPTION_KEY (64 hex characters) to store secrets.\n");
    const unknown = await ctxpipe(["secrets", "shred"], { ...env, CONNECTION_SECRETS_ENCRYPTION_KEY: key2.toString("hex") });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^ctxpipe: Usage: ctxpipe secrets rotate /);
  });
});
