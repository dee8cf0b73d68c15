/**
 * The git layer against a real git smart-HTTP server (git http-backend behind Basic auth):
 * host guard, runner hardening (credentials only in the child's environment, pinned DNS),
 * and the clone cache (clone, fetch, force-push, diff, tree, blobs, attributes, limits and
 * failures mapped to GitError kinds).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { GitCache } from "../../src/repositories/git/git-cache.js";
import { GitError, runGit, type GitErrorKind } from "../../src/repositories/git/git-runner.js";
import { checkHost, isForbiddenAddress, isHostAllowListed } from "../../src/repositories/git/host-guard.js";
import { parseRepoUrl, RepoUrlError } from "../../src/repositories/git/repo-url.js";
import { commitFiles, createTestRepo, gitIn, renameFile, rewriteHistory, startGitHttpServer, type GitHttpServer } from "../harness/git-http-server.js";

const USER = "ci-bot";
const TOKEN = `tok_${randomBytes(12).toString("hex")}`;
const creds = { username: USER, password: TOKEN };
const local = { allowLocal: true };

/** Asserts a GitError of `kind`. */
async function rejectsKind(promise: Promise<unknown>, kind: GitErrorKind): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof GitError, `expected GitError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.ok(!err.message.includes(TOKEN) && !err.stderr.includes(TOKEN));
    return true;
  });
}

/** Every file under `dir` that contains `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    if ((await fs.readFile(file)).includes(needle)) hits.push(file);
  }
  return hits;
}

/** Drains an async iterable (Array.fromAsync is not in Node 20). */
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("host guard", () => {
  it("classifies addresses", () => {
    const forbidden = [
      ...["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1"],
      ...["169.254.169.254", "169.254.1.1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255"],
      ...["::1", "::", "fc00::1", "fd00:ec2::254", "fe80::1", "ff02::1"],
      ...["::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe"],
    ];
    const allowed = ["8.8.8.8", "140.82.112.3", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"];
    for (const a of forbidden) assert.equal(isForbiddenAddress(a), true, a);
    for (const a of allowed) assert.equal(isForbiddenAddress(a), false, a);
  });

  it("refuses internal IPv4 addresses inside 6to4, and local-use NAT64 and Teredo outright (#26)", () => {
    const forbidden = ["2002:7f00:1::1", "2002:a9fe:a9fe::", "2002:c0a8:101:1::5", "2002:a00:1::", "64:ff9b:1::a9fe:a9fe", "64:ff9b:1:ffff::808:808"];
    const allowed = ["2002:808:808::1", "2002:8c52:7003::"];
    for (const a of [...forbidden, "2001:0:4136:e378:8000:63bf:3fff:fdd2"]) assert.equal(isForbiddenAddress(a), true, a);
    for (const a of allowed) assert.equal(isForbiddenAddress(a), false, a);
  });

  it("matches allow-list entries exactly or by *.suffix, ignoring case", () => {
    assert.equal(isHostAllowListed("Git.Corp.Example", ["*.corp.example"]), true);
    assert.equal(isHostAllowListed("corp.example", ["*.corp.example"]), false);
    assert.equal(isHostAllowListed("evilcorp.example", ["*.corp.example"]), false);
    assert.equal(isHostAllowListed("GITLAB.internal", ["gitlab.internal"]), true);
    assert.equal(isHostAllowListed("::1", ["[::1]"]), true);
  });

  it("checks IP literals without DNS and resolves localhost", async () => {
    for (const host of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "169.254.169.254", "localhost"]) {
      await assert.rejects(checkHost(host, []), (e: unknown) => e instanceof RepoUrlError && e.reason === "forbidden_address", host);
    }
    assert.deepEqual(await checkHost("8.8.8.8", []), ["8.8.8.8"]);
    assert.deepEqual(await checkHost("127.0.0.1", ["127.0.0.1"]), ["127.0.0.1"]);
    assert.ok((await checkHost("localhost", ["localhost"])).length > 0);
  });
});

describe("git over HTTP", () => {
  let tmp: string;
  let repos: string;
  let server: GitHttpServer;
  let cache: GitCache;
  let appRepo: string;
  const options = {
    maxRepoBytes: 50 * 1024 * 1024,
    timeoutMs: 30_000,
    allowLocal: true,
    allowedHosts: ["127.0.0.1"],
    // Local repositories in temporary directories; no data directory in these tests.
    localPaths: { localRoot: os.tmpdir(), dataDir: path.join(os.tmpdir(), "ctxpipe-git-test-no-data-dir") },
  };
  const url = (name: string) => parseRepoUrl(server.url(name), local);

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-git-test-"));
    repos = path.join(tmp, "served");
    appRepo = await createTestRepo(repos, "app", {
      "README.md": "# app\n",
      "src/main.ts": "export const main = 1;\n",
      "src/old-name.ts": "export const moved = 'same content so the rename is exact';\n",
      "gen/out.js": "generated();\n",
      "vendor/lib.c": "int lib;\n",
      ".gitattributes": "gen/** linguist-generated\nvendor/** linguist-vendored\nvendor/lib.c -linguist-vendored\n",
    });
    server = await startGitHttpServer({ root: repos, username: USER, password: TOKEN });
    cache = new GitCache(path.join(tmp, "cache"), options);
  });

  after(async () => {
    await server.stop();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it("clones with credentials that never reach disk, and lists and reads the tree", async () => {
    const head = await gitIn(appRepo, ["rev-parse", "HEAD"]);
    const result = await cache.sync("app", url("app"), undefined, creds);
    assert.deepEqual(result, { commit: head, branch: "main", dir: path.join(tmp, "cache", "app") });
    assert.deepEqual(await filesContaining(result.dir, TOKEN), []);
    const config = await fs.readFile(path.join(result.dir, "config"), "utf8");
    assert.match(config, /url = http:\/\/127\.0\.0\.1:\d+\/app\n/);
    assert.ok(
      server.requests.some((r) => r.user === USER),
      "credentials were sent as Basic auth",
    );
    const packs = await fs.readdir(path.join(result.dir, "objects", "pack"));
    assert.ok(
      packs.some((f) => f.endsWith(".promisor")),
      "a partial clone (blob:none)",
    );

    const tree = await cache.listTree("app", head);
    assert.deepEqual(
      tree.map((e) => [e.path, e.size, e.mode]),
      [
        [".gitattributes", 86, "100644"],
        ["README.md", 6, "100644"],
        ["gen/out.js", 13, "100644"],
        ["src/main.ts", 23, "100644"],
        ["src/old-name.ts", 60, "100644"],
        ["vendor/lib.c", 9, "100644"],
      ],
    );
    const wanted = tree.filter((e) => e.path.startsWith("src/") || e.path === "README.md");
    const blobs: Record<string, string> = {};
    for await (const b of cache.readBlobs(
      "app",
      wanted.map((e) => e.oid),
    ))
      blobs[b.oid] = b.content.toString();
    assert.deepEqual(
      wanted.map((e) => blobs[e.oid]),
      ["# app\n", "export const main = 1;\n", "export const moved = 'same content so the rename is exact';\n"],
    );
  });

  it("streams many blobs of mixed sizes in order, and stops git on an early break", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 120; i++) files[`f/${i}.txt`] = `${i}:${randomBytes(i % 7 === 0 ? 90_000 : 50).toString("hex")}`;
    await createTestRepo(repos, "many", files);
    const { commit } = await cache.sync("many", url("many"), undefined, creds);
    const tree = await cache.listTree("many", commit);
    assert.equal(tree.length, 120);
    const oids = [...tree.map((e) => e.oid), tree[0]?.oid ?? ""];
    const read = await collect(cache.readBlobs("many", oids));
    assert.deepEqual(
      read.map((b) => b.oid),
      oids,
    );
    for (const [i, e] of tree.entries()) assert.equal(read[i]?.content.toString(), files[e.path]);
    for await (const _ of cache.readBlobs("many", oids)) break;
  });

  it("keeps the token out of argv: only the helper's variable names appear", async () => {
    const trace = path.join(tmp, "trace.log");
    await runGit(["ls-remote", "--", server.url("app")], { timeoutMs: 30_000, protocols: ["http"], credentials: creds, env: { GIT_TRACE: trace } });
    const text = await fs.readFile(trace, "utf8");
    assert.match(text, /run_command: .*CTXPIPE_GIT_PASSWORD.* get/);
    assert.ok(!text.includes(TOKEN));
  });

  it("pins the host name to the checked address with http.curloptResolve", async () => {
    const unresolvable = `http://repo.invalid:${server.port}/app`;
    await rejectsKind(runGit(["ls-remote", "--", unresolvable], { timeoutMs: 30_000, protocols: ["http"], credentials: creds }), "unreachable");
    const pinned = ["-c", `http.curloptResolve=repo.invalid:${server.port}:127.0.0.1`];
    const { stdout } = await runGit([...pinned, "ls-remote", "--", unresolvable], { timeoutMs: 30_000, protocols: ["http"], credentials: creds });
    assert.match(stdout.toString(), /refs\/heads\/main/);
  });

  it("maps wrong or missing credentials to auth_failed", async () => {
    await rejectsKind(cache.sync("bad-creds", url("app"), "main", { username: USER, password: "wrong" }), "auth_failed");
    await rejectsKind(cache.sync("no-creds", url("app"), "main"), "auth_failed");
    await assert.rejects(fs.stat(cache.dir("bad-creds")));
  });

  it("maps a missing repository or branch to not_found", async () => {
    await rejectsKind(cache.sync("missing", url("does-not-exist"), undefined, creds), "not_found");
    await rejectsKind(cache.sync("missing", url("app"), "no-such-branch", creds), "not_found");
  });

  it("maps a closed port to unreachable", async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await rejectsKind(cache.sync("closed", parseRepoUrl(`http://127.0.0.1:${port}/app`, local), "main", creds), "unreachable");
  });

  it("refuses 127.0.0.1 unless allow-listed", async () => {
    const guarded = new GitCache(path.join(tmp, "guarded"), { ...options, allowedHosts: [] });
    await assert.rejects(guarded.sync("app", url("app"), "main", creds), (e: unknown) => e instanceof RepoUrlError && e.reason === "forbidden_address");
    const requestsBefore = server.requests.length;
    await assert.rejects(guarded.sync("app", url("app"), undefined, creds), RepoUrlError);
    assert.equal(server.requests.length, requestsBefore, "no request reached the server");
  });

  it("clones through an allow-listed host name, pinned to its resolved address", async () => {
    const byName = new GitCache(path.join(tmp, "by-name"), { ...options, allowedHosts: ["LOCALHOST"] });
    const named = parseRepoUrl(`http://localhost:${server.port}/app`, local);
    const { commit } = await byName.sync("app", named, undefined, creds);
    assert.equal(commit, await gitIn(appRepo, ["rev-parse", "HEAD"]));
    const guarded = new GitCache(path.join(tmp, "by-name-guarded"), { ...options, allowedHosts: ["*.localhost"] });
    await assert.rejects(guarded.sync("app", named, undefined, creds), RepoUrlError);
  });

  it("refuses http and local URLs when allowLocal is off", async () => {
    const strict = new GitCache(path.join(tmp, "strict"), { ...options, allowLocal: false });
    await assert.rejects(strict.sync("app", url("app"), "main", creds), (e: unknown) => e instanceof RepoUrlError && e.reason === "unsupported_scheme");
    await assert.rejects(strict.sync("app", parseRepoUrl(appRepo, local), "main"), (e: unknown) => e instanceof RepoUrlError && e.reason === "local_path");
  });

  it("fails with too_large and removes the clone when over maxRepoBytes", async () => {
    await createTestRepo(repos, "big", { "blob.bin": randomBytes(400 * 1024).toString("base64") });
    const small = new GitCache(path.join(tmp, "small"), { ...options, maxRepoBytes: 100 * 1024 });
    await rejectsKind(small.sync("big", url("big"), undefined, creds), "too_large");
    await assert.rejects(fs.stat(small.dir("big")));
    assert.deepEqual(await fs.readdir(path.join(tmp, "small")), []);
  });

  it("fetches new commits and lists what changed, a rename as a deletion and an addition", async () => {
    const first = (await cache.sync("app", url("app"), "main", creds)).commit;
    await commitFiles(appRepo, { "src/main.ts": "export const main = 2;\n", "README.md": null, "docs/new.md": "new\n" }, "change");
    const head = await renameFile(appRepo, "src/old-name.ts", "src/new-name.ts");
    const second = await cache.sync("app", url("app"), "main", creds);
    assert.equal(second.commit, head);
    assert.deepEqual(await filesContaining(second.dir, TOKEN), []);
    assert.equal(await cache.isAncestor("app", first, head), true);
    assert.equal(await cache.isAncestor("app", head, first), false);
    const changes = (await cache.changesBetween("app", first, head)) ?? [];
    const sides = Object.fromEntries(changes.map((c) => [c.path, `${c.before ? "before" : ""}${c.before && c.after ? "+" : ""}${c.after ? "after" : ""}`]));
    assert.deepEqual(sides, {
      "README.md": "before",
      "docs/new.md": "after",
      "src/main.ts": "before+after",
      "src/old-name.ts": "before",
      "src/new-name.ts": "after",
    });
    const renamed = changes.filter((c) => c.path.endsWith("-name.ts"));
    assert.equal(renamed[0]!.before?.oid ?? renamed[0]!.after?.oid, renamed[1]!.before?.oid ?? renamed[1]!.after?.oid, "same blob");
    const tree = await cache.listTree("app", head);
    const main = tree.find((e) => e.path === "src/main.ts");
    const [blob] = await collect(cache.readBlobs("app", [main?.oid ?? ""]));
    assert.equal(blob?.content.toString(), "export const main = 2;\n");
  });

  it("lists the changed files of two commits with both sides' entries, or none when the cache lacks them", async () => {
    const before = await gitIn(appRepo, ["rev-parse", "HEAD"]);
    await cache.sync("app", url("app"), "main", creds);
    const head = await commitFiles(
      appRepo,
      { "src/main.ts": "export const main = 3;\n", "docs/added.md": "# added\n", "docs/new.md": null },
      "change, add, delete",
    );
    await cache.sync("app", url("app"), "main", creds);
    const oldTree = new Map((await cache.listTree("app", before)).map((e) => [e.path, e]));
    const newTree = new Map((await cache.listTree("app", head)).map((e) => [e.path, e]));
    const changes = await cache.changesBetween("app", before, head);
    assert.deepEqual(
      changes?.sort((a, b) => a.path.localeCompare(b.path)),
      [
        { path: "docs/added.md", after: newTree.get("docs/added.md") },
        { path: "docs/new.md", before: oldTree.get("docs/new.md") },
        { path: "src/main.ts", before: oldTree.get("src/main.ts"), after: newTree.get("src/main.ts") },
      ],
    );
    assert.deepEqual(await cache.changesBetween("app", head, head), []);
    assert.equal(await cache.changesBetween("app", "1".repeat(40), head), undefined, "an unknown commit");
    // A new partial clone holds the history, but only the newest tree's blobs.
    const fresh = new GitCache(path.join(tmp, "fresh-cache"), options);
    await fresh.sync("app", url("app"), "main", creds);
    assert.equal(await fresh.changesBetween("app", before, head), undefined, "the old version of src/main.ts is not in it");
  });

  it("reads linguist attributes as of a commit", async () => {
    const { commit } = await cache.sync("app", url("app"), "main", creds);
    const attrs = await cache.readAttributes("app", commit, ["gen/out.js", "vendor/lib.c", "vendor/other.h", "src/main.ts"]);
    assert.deepEqual(attrs, [
      { path: "gen/out.js", generated: true },
      { path: "vendor/lib.c", vendored: false },
      { path: "vendor/other.h", vendored: true },
      { path: "src/main.ts" },
    ]);
  });

  it("follows a force push; the old tip is no longer an ancestor", async () => {
    const before = (await cache.sync("app", url("app"), "main", creds)).commit;
    const rewritten = await rewriteHistory(appRepo, { "only.txt": "fresh start\n" });
    const after = await cache.sync("app", url("app"), "main", creds);
    assert.equal(after.commit, rewritten);
    assert.equal(await cache.isAncestor("app", before, after.commit), false);
    assert.equal(await cache.isAncestor("app", "0".repeat(40), after.commit), false);
    assert.deepEqual(
      (await cache.listTree("app", after.commit)).map((e) => e.path),
      ["only.txt"],
    );
  });

  it("serializes concurrent syncs of one repository", async () => {
    const results = await Promise.all([1, 2, 3].map(() => cache.sync("app", url("app"), "main", creds)));
    assert.equal(new Set(results.map((r) => r.commit)).size, 1);
  });

  it("reads offline: objects that were never synced are not_found", async () => {
    const { commit } = await cache.sync("app", url("app"), "main", creds);
    await rejectsKind(collect(cache.readBlobs("app", ["1".repeat(40)])), "not_found");
    await rejectsKind(cache.listTree("app", "2".repeat(40)), "not_found");
    await rejectsKind(cache.listTree("never-cloned", commit), "not_found");
    await assert.rejects(cache.listTree("app", "--output=/tmp/x"), (e: unknown) => (e as { code?: string }).code === "invalid_input");
  });

  it("clones a shallow repository whose server ignores filters whole, without a storm of git processes", async () => {
    // A shallow checkout served without uploadpack.allowFilter: git 2.39 took the ignored filter
    // for a partial clone and lazily fetched each missing object, each fetch starting more,
    // thousands of processes within seconds (found by bench:nl on a CI-style checkout).
    const source = await createTestRepo(path.join(tmp, "shallow-source"), "src", { "a.ts": "export const a = 1;\n", "b.ts": "export const b = 2;\n" });
    await commitFiles(source, { "a.ts": "export const a = 3;\n", "c.ts": "export const c = 4;\n" }, "second");
    const shallow = path.join(tmp, "shallow-checkout");
    await runGit(["clone", "--quiet", "--depth", "1", `file://${source}`, shallow], { timeoutMs: 30_000, protocols: ["file"] });
    let most = 0;
    const watcher = setInterval(() => {
      const ours = gitProcessesUnder(tmp);
      most = Math.max(most, ours.length);
      // A regression must not take the machine with it.
      if (ours.length > 100) for (const pid of ours) process.kill(pid, "SIGKILL");
    }, 50);
    try {
      const first = await cache.sync("shallow", parseRepoUrl(shallow, local));
      const blobs = (await cache.listTree("shallow", first.commit)).map((e) => e.oid);
      const texts = (await collect(cache.readBlobs("shallow", blobs))).map((b) => b.content.toString("utf8")).sort();
      assert.deepEqual(texts, ["export const a = 3;\n", "export const b = 2;\n", "export const c = 4;\n"]);
      // Later syncs fetch into the whole clone without a filter.
      const third = await commitFiles(shallow, { "d.ts": "export const d = 5;\n" }, "third");
      assert.equal((await cache.sync("shallow", parseRepoUrl(shallow, local))).commit, third);
    } finally {
      clearInterval(watcher);
    }
    assert.ok(most < 20, `${most} git processes at once`);
  });

  it("clones a local path with allowLocal and removes it", async () => {
    const head = await gitIn(appRepo, ["rev-parse", "HEAD"]);
    const result = await cache.sync("local-copy", parseRepoUrl(appRepo, local));
    assert.equal(result.commit, head);
    await cache.remove("local-copy");
    await assert.rejects(fs.stat(result.dir));
  });

  it("times out against a server that never answers", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const quick = new GitCache(path.join(tmp, "quick"), { ...options, timeoutMs: 1500 });
      const started = Date.now();
      await rejectsKind(quick.sync("stuck", parseRepoUrl(`http://127.0.0.1:${port}/app`, local), "main", creds), "timeout");
      assert.ok(Date.now() - started < 10_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

/** Running git processes working in, or naming, a path under `dir` (from /proc). */
function gitProcessesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.startsWith("git") && (cmdline.includes(dir) || readlinkSync(`/proc/${entry}/cwd`).startsWith(dir))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
