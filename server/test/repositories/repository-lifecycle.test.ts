/**
 * Repositories end to end: a real git server over HTTP with Basic auth, the real jobs and
 * indexer, and search through the REST API. Covers add, index, search, re-index after a push
 * (modify, add, delete, rename), unindex, bad URLs, wrong credentials, an unreachable host
 * and a repository over the size limit.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { commitFiles, createTestRepo, renameFile, startGitHttpServer, type GitHttpServer } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const AUTH = { username: "git-user", password: "s3cret-token-value" };

describe("repository lifecycle", () => {
  let root: string;
  let git: GitHttpServer;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let repoDir: string;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-git-"));
    repoDir = await createTestRepo(root, "api", {
      "src/server.ts": "export function startServer(port: number) {\n  return listen(port);\n}\n",
      "src/old-name.ts": "export const legacyValue = 42;\n",
      "src/remove-me.py": "def doomed_function():\n    return 'gone soon'\n",
      "README.md": "# API\nThe startServer function starts everything.\n",
      "node_modules/dep/index.js": "module.exports = function vendoredThing() {}\n",
    });
    await createTestRepo(root, "big", { "blob.bin.txt": randomBytes(1536 * 1024).toString("hex") });
    git = await startGitHttpServer({ root, ...AUTH });
    app = await startTestApp({
      env: {
        CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
        CTXPIPE_GIT_ALLOWED_HOSTS: "127.0.0.1",
        CTXPIPE_MAX_REPOSITORY_BYTES: String(1024 * 1024),
        CTXPIPE_GIT_TIMEOUT_SECONDS: "20",
      },
    });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
  });
  after(async () => {
    await app?.stop();
    await git?.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  const search = async (q: string) => (await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}`, { as: owner })).json;

  it("adds, indexes, searches, re-indexes after a push, and unindexes", async () => {
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, {
      as: owner,
      body: { url: git.url("api"), credentials: AUTH },
    });
    assert.equal(added.status, 201, added.text);
    assert.equal(added.json.name, `127.0.0.1:${git.port}/api`);
    assert.equal(added.json.hasCredentials, true);
    assert.ok(!added.text.includes(AUTH.password));
    const id = added.json.id as string;

    const ready = await waitForRepository(app, owner, org.slug, id);
    assert.equal(ready.status, "ready", JSON.stringify(ready));
    assert.match(ready.indexedCommit, /^[0-9a-f]{40}$/);
    assert.equal(ready.fileCount, 4, "node_modules is skipped");
    assert.equal(ready.skipped.vendored, 1);
    assert.ok(ready.languages.typescript > 0 && ready.languages.python > 0);

    const first = await search("startServer");
    assert.deepEqual(
      first.results.map((r: { path: string }) => r.path),
      ["src/server.ts", "README.md"],
      "the definition ranks first",
    );
    assert.equal(first.results[0].commit, ready.indexedCommit);
    assert.deepEqual(
      first.results[0].definitions.map((d: { name: string; kind: string }) => [d.name, d.kind]),
      [["startServer", "function"]],
    );
    assert.deepEqual(first.results[0].lines[0], { line: 1, text: "export function startServer(port: number) {", ranges: [[16, 27]] });
    assert.equal((await search("vendoredThing")).results.length, 0);
    assert.deepEqual(
      (await search("/\\bstartServer\\b/")).results.map((r: { path: string }) => r.path),
      ["src/server.ts", "README.md"],
      "\\b is a word boundary",
    );
    assert.equal((await search("/\\bstartServ\\b/")).results.length, 0);

    // Push: modify, add, delete and rename.
    await commitFiles(
      repoDir,
      {
        "src/server.ts": "export function startServer(port: number, host = 'localhost') {\n  return listen(port, host);\n}\n",
        "src/new-file.go": "package main\n\nfunc freshlyAdded() {}\n",
        "src/remove-me.py": null,
      },
      "change",
    );
    const head = await renameFile(repoDir, "src/old-name.ts", "src/new-name.ts");
    const reindex = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories/${id}/reindex`, { as: owner });
    assert.equal(reindex.status, 202);
    const again = await waitForRepository(app, owner, org.slug, id, (r) => r.indexedCommit === head && r.status === "ready");
    assert.equal(again.fileCount, 4);

    assert.equal((await search("doomed_function")).results.length, 0, "deleted file is gone");
    assert.deepEqual(
      (await search("freshlyAdded")).results.map((r: { path: string }) => r.path),
      ["src/new-file.go"],
    );
    assert.deepEqual(
      (await search("legacyValue")).results.map((r: { path: string }) => r.path),
      ["src/new-name.ts"],
      "renamed path",
    );
    assert.match((await search("startServer")).results[0].lines[0].text, /host = 'localhost'/);

    const file = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/${id}/file?path=src/server.ts&startLine=2&endLine=2`, { as: owner });
    assert.deepEqual(file.json.lines, [{ line: 2, text: "  return listen(port, host);" }]);
    assert.equal(file.json.totalLines, 3);
    const gone = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/${id}/file?path=src/old-name.ts`, { as: owner });
    assert.equal(gone.status, 404);
    const escaped = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/${id}/file?path=../../etc/passwd`, { as: owner });
    assert.equal(escaped.status, 404);
    const list = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/${id}/files?glob=*.ts`, { as: owner });
    assert.deepEqual(
      list.json.files.map((f: { path: string }) => f.path),
      ["src/new-name.ts", "src/server.ts"],
    );
    const symbols = await call(app, "GET", `/api/v1/orgs/${org.slug}/symbols?name=startserver`, { as: owner });
    assert.deepEqual(
      symbols.json.symbols.map((s: { path: string; startLine: number }) => [s.path, s.startLine]),
      [["src/server.ts", 1]],
    );

    // The clone cache never holds the credentials.
    const cloneFiles = await fs.readdir(path.join(app.dataDir, "repos"), { recursive: true });
    for (const f of cloneFiles) {
      const full = path.join(app.dataDir, "repos", String(f));
      if ((await fs.stat(full)).isFile()) assert.ok(!(await fs.readFile(full)).includes(AUTH.password), `${f} holds the password`);
    }

    const deleted = await call(app, "DELETE", `/api/v1/orgs/${org.slug}/repositories/${id}`, { as: owner });
    assert.equal(deleted.status, 202);
    assert.equal(deleted.json.status, "unindexing");
    await waitForRepository(app, owner, org.slug, id, () => false, 20_000).catch(() => {});
    assert.equal((await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/${id}`, { as: owner })).status, 404);
    assert.equal((await search("startServer")).results.length, 0);
    const { rows } = await app.running.platform.db.unsafeSystem.query("select count(*)::int as n from index_chunks");
    assert.equal(rows[0].n, 0, "chunks of the deleted repository are collected");
  });

  it("takes a repository's name wherever it takes its id", async () => {
    const base = `/api/v1/orgs/${org.slug}/repositories`;
    const added = await call(app, "POST", base, { as: owner, body: { url: repoDir, name: "acme/Api" } });
    assert.equal(added.status, 201, added.text);
    assert.equal((await waitForRepository(app, owner, org.slug, added.json.id)).status, "ready");
    // A `/` in a name is percent-encoded; the name matches ignoring case when only one does.
    for (const ref of ["acme%2FApi", "acme%2Fapi", added.json.id]) {
      const one = await call(app, "GET", `${base}/${ref}`, { as: owner });
      assert.equal(one.status, 200, `${ref}: ${one.text}`);
      assert.equal(one.json.id, added.json.id);
      const files = await call(app, "GET", `${base}/${ref}/files?glob=src/*.ts`, { as: owner });
      assert.equal(files.status, 200, files.text);
      assert.ok(files.json.files.some((f: { path: string }) => f.path === "src/server.ts"));
      const file = await call(app, "GET", `${base}/${ref}/file?path=src/server.ts&startLine=1&endLine=1`, { as: owner });
      assert.equal(file.status, 200, file.text);
      assert.equal(file.json.path, "src/server.ts");
      assert.match(file.json.lines[0].text, /^export function startServer\(/);
    }
    assert.equal((await call(app, "POST", `${base}/acme%2FApi/reindex`, { as: owner })).status, 202);
    assert.equal((await call(app, "GET", `${base}/nope`, { as: owner })).json.error.code, "not_found");
    // Two names that differ only in case: the exact one is found, an inexact one is not (404).
    const other = await call(app, "POST", base, { as: owner, body: { url: repoDir, name: "acme/API" } });
    assert.equal(other.status, 201, other.text);
    assert.equal((await call(app, "GET", `${base}/acme%2FAPI`, { as: owner })).json.id, other.json.id);
    assert.equal((await call(app, "GET", `${base}/acme%2Fapi`, { as: owner })).status, 404);
    for (const id of [added.json.id, other.json.id]) {
      await waitForRepository(app, owner, org.slug, id);
      assert.equal((await call(app, "DELETE", `${base}/${id}`, { as: owner })).status, 202);
    }
  });

  it("refuses unsafe or malformed URLs with the reason", async () => {
    const strict = await startTestApp({ roles: ["server"], db: app.db });
    try {
      for (const [url, reason] of [
        ["file:///etc", "local_path"],
        ["ext::sh", "unsupported_scheme"],
        ["ext::sh -c touch% /tmp/pwned", "malformed"],
        ["git://github.com/o/r", "unsupported_scheme"],
        ["/srv/git/repo", "local_path"],
        ["https://user:token@github.com/o/r.git", "credentials_in_url"],
        ["-uhttps://github.com/o/r", "option_injection"],
        ["http://github.com/o/r", "unsupported_scheme"],
      ] as const) {
        const res = await call(strict, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url } });
        assert.equal(res.status, 400, `${url}: ${res.status} ${res.text}`);
        assert.equal(res.json.error.code, "invalid_repository_url");
        assert.equal(res.json.error.details.reason, reason, url);
      }
    } finally {
      await strict.stop();
    }
  });

  it("fails clearly on wrong credentials, an unreachable host and an oversized repository", async () => {
    const add = async (body: Record<string, unknown>) => {
      const res = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body });
      assert.equal(res.status, 201, res.text);
      return waitForRepository(app, owner, org.slug, res.json.id);
    };
    const wrong = await add({ url: git.url("api"), name: "wrong-credentials", credentials: { username: AUTH.username, password: "nope" } });
    assert.equal(wrong.status, "failed");
    assert.match(wrong.error, /authentication|credentials/i);
    assert.ok(!wrong.error.includes("nope"));

    // A transient failure keeps the repository queued while the queue retries it.
    const res = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, {
      as: owner,
      body: { url: "http://127.0.0.1:1/nothing.git", name: "unreachable" },
    });
    const unreachable = await waitForRepository(app, owner, org.slug, res.json.id, (r) => r.error !== null);
    assert.equal(unreachable.status, "queued");
    assert.match(unreachable.error, /could not be reached\. Retrying\.$/);

    const big = await add({ url: git.url("big"), name: "big", credentials: AUTH });
    assert.equal(big.status, "failed");
    assert.match(big.error, /larger than|too large|limit/i);
  });
});
