/**
 * The index after an upgrade that changes it (INDEX_RULES_VERSION): repositories indexed by
 * older rules get a full index run when a worker starts, without anyone pushing to them, and
 * their search keeps answering from the previous index meanwhile; current ones are left alone.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { INDEX_RULES_VERSION } from "../../src/indexing/index.js";
import { eventually } from "../harness/eventually.js";
import { call, createOrgAs, signUp } from "../harness/http-client.js";
import { addReadyRepositories } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";

describe("index upgrade", () => {
  let root: string;
  let db: TestDatabase;
  let app: TestApp | undefined;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-index-upgrade-"));
    db = await createTestDatabase();
  });
  after(async () => {
    await app?.stop();
    await db?.drop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("rebuilds each repository indexed by older rules when a worker starts", async () => {
    const env = { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" };
    app = await startTestApp({ db, env });
    const owner = await signUp(app);
    const org = await createOrgAs(app, owner);
    const retry = (name: string) => ({
      "src/retry.ts": `/** Retries a failed webhook delivery with backoff (${name}). */\nexport function retryDelivery() {}\n`,
    });
    const ids = await addReadyRepositories(app, owner, org.slug, root, { old: retry("old"), current: retry("current") });
    const sql = async <T = any>(text: string, values: unknown[] = []) => (await app!.running.platform.db.unsafeSystem.query(text, values)).rows as T[];
    // "old" as the previous release left it: indexed by rules 1, its blobs without terms.
    await sql(`update repositories set indexed_settings = jsonb_set(indexed_settings, '{rules}', '1') where id = $1`, [ids.old]);
    await sql(
      `delete from index_term_blobs t using index_files f
        where f.repository_id = $1 and t.org_id = f.org_id and t.blob_oid = f.blob_oid`,
      [ids.old],
    );
    const runsOf = async (id: string) =>
      (await sql<{ n: number }>("select count(*)::int as n from pgboss.job where name = 'repository.sync' and data ->> 'repositoryId' = $1", [id]))[0]!.n;
    const rulesOf = async (id: string) =>
      (await sql<{ rules: number }>("select (indexed_settings ->> 'rules')::int as rules from repositories where id = $1", [id]))[0]!.rules;
    const before = { old: await runsOf(ids.old!), current: await runsOf(ids.current!) };
    await app.stop();
    app = undefined;

    app = await startTestApp({ db, env });
    // The previous index answers while (or before) the rebuild runs.
    const search = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent("retryDelivery repo:^old$")}`, { as: owner });
    assert.equal(search.status, 200, search.text);
    assert.deepEqual(
      search.json.results.map((r: { path: string }) => r.path),
      ["src/retry.ts"],
    );
    await eventually(async () => assert.equal(await rulesOf(ids.old!), INDEX_RULES_VERSION), {
      timeoutMs: 60_000,
      message: "the old repository is indexed again by the current rules",
    });
    assert.equal(await runsOf(ids.old!), before.old + 1, "one full run for the old repository");
    assert.equal(await runsOf(ids.current!), before.current, "a current index is left alone");
    const question = await call(
      app,
      "GET",
      `/api/v1/orgs/${org.slug}/search?${new URLSearchParams({ q: "In old, how is a failed webhook delivery retried?", mode: "question" })}`,
      {
        as: owner,
      },
    );
    assert.equal(question.status, 200, question.text);
    assert.equal(question.json.results[0]?.path, "src/retry.ts", "the rebuilt index has the blob's terms again");
    const view = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/${ids.old}`, { as: owner });
    assert.equal(view.json.lastRun?.kind, "full");
  });
});
