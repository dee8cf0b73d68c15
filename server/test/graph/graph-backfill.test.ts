/**
 * The knowledge graph after an upgrade: repositories indexed before the graph existed (or by
 * older extraction rules) get an index run when a worker starts, and so their graph, without
 * anyone pushing to them; repositories whose graph is current are left alone.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createOrgAs, signUp } from "../harness/http-client.js";
import { addReadyRepositories } from "../harness/repositories.js";
import { eventually } from "../harness/eventually.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";

describe("knowledge graph backfill", () => {
  let root: string;
  let db: TestDatabase;
  let app: TestApp | undefined;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-graph-backfill-"));
    db = await createTestDatabase();
  });
  after(async () => {
    await app?.stop();
    await db?.drop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("queues an index run for each repository whose graph predates the extractors", async () => {
    const env = { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" };
    app = await startTestApp({ db, env });
    const owner = await signUp(app);
    const org = await createOrgAs(app, owner);
    const manifest = (name: string) => ({ "package.json": JSON.stringify({ name: `@acme/${name}`, dependencies: { zod: "^4.0.0" } }) });
    const ids = await addReadyRepositories(app, owner, org.slug, root, { old: manifest("old"), current: manifest("current") });
    const sql = async <T = any>(text: string, values: unknown[] = []) => (await app!.running.platform.db.unsafeSystem.query(text, values)).rows as T[];
    // "old" as an instance before the upgrade left it: indexed, without a graph.
    await sql("delete from graph_sources where repository_id = $1", [ids.old]);
    await sql("delete from graph_state where repository_id = $1", [ids.old]);
    const runsOf = async (id: string) =>
      (await sql<{ n: number }>("select count(*)::int as n from pgboss.job where name = 'repository.sync' and data ->> 'repositoryId' = $1", [id]))[0]!.n;
    const before = { old: await runsOf(ids.old!), current: await runsOf(ids.current!) };
    await app.stop();
    app = undefined;

    app = await startTestApp({ db, env });
    const facts = async (id: string) => (await sql<{ n: number }>("select count(*)::int as n from graph_facts where repository_id = $1", [id]))[0]!.n;
    await eventually(async () => assert.equal(await facts(ids.old!), 2, "the package and its dependency"), {
      timeoutMs: 60_000,
      message: "the backfill extracts the old repository's graph",
    });
    assert.equal(await runsOf(ids.old!), before.old + 1);
    assert.equal(await runsOf(ids.current!), before.current, "a current graph is left alone");
  });
});
