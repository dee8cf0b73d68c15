/**
 * `ctxpipe admin` against an embedded Postgres in a data directory.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { uniqueEmail } from "../harness/http-client.js";
import { admin, ctxpipe, PASSWORD } from "./admin-cli-helpers.js";

describe("ctxpipe admin with embedded Postgres", () => {
  let dataDir: string;
  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-admin-"));
    await fs.chmod(dataDir, 0o755);
  });
  after(() => fs.rm(dataDir, { recursive: true, force: true }));

  it("creates a user in the data directory's database", async () => {
    const env = { CTXPIPE_DATA_DIR: dataDir, AUTH_SECRET: "" };
    // admin never creates an instance: `migrate` makes the new one.
    const migrated = await ctxpipe(["migrate"], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    const res = await admin(["create-user", "--email", uniqueEmail("embedded"), "--password", PASSWORD], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^\S+\n$/);
    assert.equal(res.stderr, "");
  });
});
