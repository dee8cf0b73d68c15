/**
 * Local repositories (CTXPIPE_ALLOW_LOCAL_REPOSITORIES) are confined to
 * CTXPIPE_LOCAL_REPOSITORIES_ROOT: a path inside it is added and indexed; a path outside it,
 * a symbolic link inside it that leads out, and anything in the data directory (another
 * organisation's clone, the generated secrets) are refused with a 400 saying why.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("local repositories root", () => {
  let tmp: string;
  let root: string;
  let app: TestApp;
  let owner: TestUser;
  let slug: string;
  const add = (url: string, name: string) => call(app, "POST", `/api/v1/orgs/${slug}/repositories`, { as: owner, body: { url, name } });

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-local-root-"));
    root = path.join(tmp, "allowed");
    await fs.mkdir(root);
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true", CTXPIPE_LOCAL_REPOSITORIES_ROOT: root } });
    owner = await signUp(app);
    slug = (await createOrgAs(app, owner)).slug;
  });
  after(async () => {
    await app?.stop();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it("indexes a repository inside the root", async () => {
    const dir = await createTestRepo(root, "inside", { "a.ts": "export const inside = 1;\n" });
    const added = await add(dir, "inside");
    assert.equal(added.status, 201, added.text);
    assert.equal((await waitForRepository(app, owner, slug, added.json.id)).status, "ready");
  });

  it("refuses a path outside the root, also through a symbolic link, with a 400", async () => {
    const outside = await createTestRepo(tmp, "outside", { "b.ts": "export const outside = 1;\n" });
    const direct = await add(outside, "outside");
    assert.equal(direct.status, 400, direct.text);
    assert.equal(direct.json.error.code, "invalid_repository_url");
    assert.match(direct.json.error.message, /outside the directory local repositories may be in \(CTXPIPE_LOCAL_REPOSITORIES_ROOT\)/);
    await fs.symlink(outside, path.join(root, "link"));
    const linked = await add(path.join(root, "link"), "linked");
    assert.equal(linked.status, 400, linked.text);
    assert.match(linked.json.error.message, /outside the directory local repositories may be in/);
    const dotted = await add(`${root}/../outside`, "dotted");
    assert.equal(dotted.status, 400, dotted.text);
  });

  it("refuses the data directory, even through a link inside the root", async () => {
    await fs.symlink(app.dataDir, path.join(root, "data"));
    for (const url of [path.join(root, "data"), `file://${path.join(root, "data", "repos")}`]) {
      const res = await add(url, "data");
      assert.equal(res.status, 400, res.text);
      assert.match(res.json.error.message, /inside ctxpipe's data directory/, url);
    }
  });
});
