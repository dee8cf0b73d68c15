/**
 * Incremental index runs through the real pipeline (REST, sync job, git clone cache, indexer),
 * checked in the index tables: a re-index writes only what changed between the indexed tree
 * and the new one (unchanged rows and known blobs stay as they are, row versions included),
 * collects what left the index, advances the generation by one per run, handles a force-push
 * that rewrote history, and never lets a search see half of a run.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { commitFiles, createTestRepo, gitIn, rewriteHistory } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { reindexTo, waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

/** A small TypeScript module whose content (and so blob) is unique to `i` and `version`. */
function moduleFile(i: number, version = 1): string {
  return `/** Module ${i}, version ${version}. */\nexport function module${i}Value(): number {\n  return ${i * 1000 + version};\n}\n// marker module${i}v${version}\n`;
}

/** A bulky TypeScript file (~18 KB, 150 functions) so that a run of many takes a moment. */
function bulkFile(i: number): string {
  const lines: string[] = [`/** Bulk file ${i}. */`];
  for (let f = 0; f < 150; f++) {
    lines.push(
      `export function bulk${i}_${f}(value: number): number {`,
      `  const scaled = value * ${f + 1} + ${i};`,
      `  return scaled > 1000 ? scaled - 1000 : scaled;`,
      "}",
      "",
    );
  }
  return lines.join("\n");
}

interface FileRow {
  path: string;
  blob_oid: string;
  valid_from: number;
  valid_to: number | null;
  /** Row version: unchanged when the row was not rewritten. */
  xmin: string;
}

describe("incremental index runs", () => {
  let root: string;
  let repoDir: string;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let repositoryId: string;
  /** What the repository's tree holds now. */
  const tree: Record<string, string> = {};

  const sql = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> =>
    (await app.running.platform.db.unsafeSystem.query(text, values)).rows as T[];
  const fileRows = () =>
    sql<FileRow>("select path, blob_oid, valid_from, valid_to, xmin::text as xmin from index_files where repository_id = $1 order by path, valid_from", [
      repositoryId,
    ]);
  const chunkRows = (blob: string) =>
    sql<{ chunk_no: number; xmin: string }>("select chunk_no, xmin::text as xmin from index_chunks where blob_oid = $1 order by chunk_no", [blob]);
  const generation = async () => (await sql<{ generation: number }>("select generation from repositories where id = $1", [repositoryId]))[0]!.generation;
  const search = async (q: string) => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}&limit=100`, { as: owner });
    assert.equal(res.status, 200, res.text);
    return res.json as { results: { path: string }[]; partial: boolean };
  };
  const paths = async (q: string) => (await search(q)).results.map((r) => r.path);
  /** Requests a re-index and waits until `head` is published. */
  const reindex = async (head: string) => {
    const repo = await reindexTo(app, owner, org.slug, repositoryId, head, 120_000);
    return repo;
  };
  /** Commits `changes` to the test repository and mirrors them in `tree`. */
  const commit = async (changes: Record<string, string | null>, message: string) => {
    for (const [file, content] of Object.entries(changes)) {
      if (content === null) delete tree[file];
      else tree[file] = content;
    }
    return commitFiles(repoDir, changes, message);
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-incremental-"));
    for (let i = 0; i < 49; i++) tree[`src/mod-${String(i).padStart(2, "0")}.ts`] = moduleFile(i);
    tree["src/consistency-old.ts"] = "export const glacierOldMarker = 'only in the old tree';\n";
    repoDir = await createTestRepo(root, "app", tree);
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoDir, name: "app" } });
    assert.equal(added.status, 201, added.text);
    repositoryId = added.json.id;
    const ready = await waitForRepository(app, owner, org.slug, repositoryId);
    assert.equal(ready.status, "ready", JSON.stringify(ready));
    assert.equal(ready.fileCount, 50);
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("re-indexes only changed, renamed, deleted and added files", async () => {
    assert.equal(await generation(), 1);
    const before = await fileRows();
    assert.equal(before.length, 50);
    assert.ok(before.every((r) => r.valid_from === 1 && r.valid_to === null));
    const rowOf = new Map(before.map((r) => [r.path, r]));
    const renamedBlob = rowOf.get("src/mod-02.ts")!.blob_oid;
    const modifiedOldBlob = rowOf.get("src/mod-01.ts")!.blob_oid;
    const deletedBlob = rowOf.get("src/mod-03.ts")!.blob_oid;
    const renamedChunks = await chunkRows(renamedBlob);
    assert.equal(renamedChunks.length, 1);

    // One commit: modify, rename (same content under a new path), delete, add.
    const head = await commit(
      {
        "src/mod-01.ts": moduleFile(1, 2),
        "src/mod-02.ts": null,
        "lib/moved-02.ts": moduleFile(2),
        "src/mod-03.ts": null,
        "src/mod-new.ts": moduleFile(99),
      },
      "modify, rename, delete, add",
    );
    assert.match(
      await gitIn(repoDir, ["show", "--stat", "-M", "--format=", "HEAD"]),
      /src\/mod-02\.ts => lib\/moved-02\.ts|\{src => lib\}/,
      "git sees a rename",
    );
    const repo = await reindex(head);
    assert.equal(repo.fileCount, 50);
    assert.equal(await generation(), 2, "one run, one generation");

    const after = await fileRows();
    const changed = new Set(["src/mod-01.ts", "src/mod-02.ts", "src/mod-03.ts"]);
    // (a) Unchanged files keep their original row: same blob, valid_from and row version.
    const unchanged = before.filter((r) => !changed.has(r.path));
    assert.equal(unchanged.length, 47);
    for (const row of unchanged) {
      assert.deepEqual(
        after.find((r) => r.path === row.path),
        row,
        `${row.path} was rewritten`,
      );
    }
    // The changed paths have one row each, from generation 2.
    const fromTwo = after.filter((r) => r.valid_from === 2);
    assert.deepEqual(fromTwo.map((r) => r.path).sort(), ["lib/moved-02.ts", "src/mod-01.ts", "src/mod-new.ts"]);
    assert.ok(!after.some((r) => r.path === "src/mod-02.ts" || r.path === "src/mod-03.ts"));

    // (b) The renamed file points at the same blob, whose chunks were neither re-inserted nor rewritten.
    assert.equal(after.find((r) => r.path === "lib/moved-02.ts")!.blob_oid, renamedBlob);
    assert.deepEqual(await chunkRows(renamedBlob), renamedChunks);

    // (c) Rows of the old generation are gone, and so is the content no file refers to.
    assert.equal(after.length, 50);
    assert.ok(
      after.every((r) => r.valid_to === null),
      "no closed rows are left",
    );
    assert.equal((await chunkRows(modifiedOldBlob)).length, 0, "the old version's chunks are collected");
    assert.equal((await chunkRows(deletedBlob)).length, 0, "the deleted file's chunks are collected");
    const symbols = await sql<{ n: number }>("select count(*)::int as n from index_symbols where blob_oid = any($1::text[])", [[modifiedOldBlob, deletedBlob]]);
    assert.equal(symbols[0]!.n, 0, "and their symbols");

    // Searches see the new tree.
    assert.deepEqual(await paths("marker module1v2"), ["src/mod-01.ts"]);
    assert.deepEqual(await paths("marker module1v1"), []);
    assert.deepEqual(await paths("module2Value"), ["lib/moved-02.ts"]);
    assert.deepEqual(await paths("module3Value"), []);
    assert.deepEqual(await paths("module99Value"), ["src/mod-new.ts"]);

    // (d) A run with nothing to do still publishes exactly one generation and touches no row.
    const sameHead = await gitIn(repoDir, ["rev-parse", "HEAD"]);
    await reindex(sameHead);
    assert.equal(await generation(), 3);
    assert.deepEqual(await fileRows(), after, "a no-op run rewrites nothing");
  });

  it("indexes a force-push that rewrote history by comparing trees", async () => {
    const gen = await generation();
    const before = await fileRows();
    const oldHead = await gitIn(repoDir, ["rev-parse", "HEAD"]);
    tree["src/mod-04.ts"] = moduleFile(4, 3);
    const head = await rewriteHistory(repoDir, { ...tree }, "squashed history");
    assert.equal(await gitIn(repoDir, ["rev-list", "--count", "HEAD"]), "1", "a single root commit");
    assert.notEqual(head, oldHead);

    const repo = await reindex(head);
    assert.equal(repo.indexedCommit, head);
    assert.equal(repo.fileCount, 50);
    assert.equal(await generation(), gen + 1);
    const after = await fileRows();
    for (const row of before.filter((r) => r.path !== "src/mod-04.ts")) {
      assert.deepEqual(
        after.find((r) => r.path === row.path),
        row,
        `${row.path} was rewritten although its blob is the same`,
      );
    }
    const mod4 = after.find((r) => r.path === "src/mod-04.ts")!;
    assert.equal(mod4.valid_from, gen + 1);
    assert.equal(after.length, 50);
    assert.deepEqual(await paths("marker module4v3"), ["src/mod-04.ts"]);
    assert.deepEqual(await paths("marker module4v1"), []);
  });

  it("lets searches during a run see the previous complete state, then the new one", async (t) => {
    const OLD = "src/consistency-old.ts";
    const NEW = "src/consistency-new.ts";
    const changes: Record<string, string | null> = { [OLD]: null, [NEW]: "export const glacierNewMarker = 'only in the new tree';\n" };
    for (let i = 0; i < 300; i++) changes[`bulk/file-${String(i).padStart(3, "0")}.ts`] = bulkFile(i);
    const head = await commit(changes, "a large change");
    const gen = await generation();

    const query = "glacierOldMarker or glacierNewMarker";
    const observe = async () => {
      const res = await search(query);
      assert.equal(res.partial, false);
      const pair = [res.results.filter((r) => r.path === OLD).length, res.results.filter((r) => r.path === NEW).length];
      assert.equal(res.results.length, pair[0]! + pair[1]!, JSON.stringify(res.results));
      assert.ok((pair[0] === 1 && pair[1] === 0) || (pair[0] === 0 && pair[1] === 1), `a search saw a mix of two generations: (${pair.join(",")})`);
      return pair[0] === 1 ? "old" : "new";
    };
    assert.equal(await observe(), "old");

    const started = Date.now();
    const res = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories/${repositoryId}/reindex`, { as: owner });
    assert.equal(res.status, 202, res.text);
    const seen: { status: string; state: "old" | "new" }[] = [];
    for (;;) {
      assert.ok(Date.now() - started < 150_000, "the run did not finish");
      const repo = (await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/${repositoryId}`, { as: owner })).json;
      assert.notEqual(repo.status, "failed", JSON.stringify(repo));
      seen.push({ status: repo.status, state: await observe() });
      if (repo.indexedCommit === head && repo.status === "ready") break;
    }
    const ms = Date.now() - started;
    const during = seen.filter((s) => s.status === "running");
    t.diagnostic(`run took ${ms} ms; ${seen.length} searches, ${during.length} while the status was running`);
    assert.ok(
      during.some((s) => s.state === "old"),
      "some search ran while the index run was in progress and saw the old state",
    );
    const firstNew = seen.findIndex((s) => s.state === "new");
    assert.ok(firstNew >= 0);
    assert.ok(
      seen.slice(firstNew).every((s) => s.state === "new"),
      "once published, the new state stays",
    );
    assert.equal(await observe(), "new");
    assert.equal(await generation(), gen + 1);
    assert.equal((await sql<{ n: number }>("select count(*)::int as n from index_files where repository_id = $1", [repositoryId]))[0]!.n, 350);
  });
});
