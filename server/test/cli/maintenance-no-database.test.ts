/**
 * Maintenance commands work on an existing instance: run where no database is found (no
 * DATABASE_URL, no embedded Postgres in the data directory), they fail with one line naming
 * CTXPIPE_DATA_DIR, DATABASE_URL and the directory, and create nothing (issue #27).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { assertOneLineError, ctxpipe } from "./admin-cli-helpers.js";

describe("maintenance commands with no database", () => {
  let cwd: string;
  before(async () => {
    cwd = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-nodb-")));
  });
  after(() => fs.rm(cwd, { recursive: true, force: true }));

  const commands = [
    ["admin", "list-users"],
    ["secrets", "rotate"],
    ["doctor"],
    ["backup", "--out", "backup.tar.gz"],
    ["restore", "--from", "missing.tar.gz", "--force"],
  ];
  for (const args of commands) {
    it(`ctxpipe ${args.join(" ")} in an empty directory exits 1 and creates no data directory`, async () => {
      // The default CTXPIPE_DATA_DIR (./.ctxpipe), relative to the working directory.
      const res = await ctxpipe(args, { AUTH_SECRET: "" }, "", cwd);
      const line = assertOneLineError(res);
      assert.match(line, /CTXPIPE_DATA_DIR/);
      assert.match(line, /DATABASE_URL/);
      assert.ok(line.includes(path.join(cwd, ".ctxpipe")), line);
      assert.deepEqual(await fs.readdir(cwd), []);
    });
  }

  it("an explicit CTXPIPE_DATA_DIR that does not exist is named and not created", async () => {
    const dataDir = path.join(cwd, "elsewhere", "data");
    const res = await ctxpipe(["admin", "list-users"], { CTXPIPE_DATA_DIR: dataDir, AUTH_SECRET: "" }, "", cwd);
    assert.ok(assertOneLineError(res).includes(dataDir));
    assert.equal(existsSync(path.join(cwd, "elsewhere")), false);
  });
});
