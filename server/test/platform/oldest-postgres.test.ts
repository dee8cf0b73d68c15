/**
 * ctxpipe on the oldest supported PostgreSQL, 15 (the suite itself runs on the embedded 18):
 * the migrations and the job queue install on a fresh cluster, and one end-to-end pass works
 * on it: sign-up, an organisation, a repository indexed by the real jobs, search (literal,
 * regex, sym:), references, reading a file, and another organisation kept out (RLS).
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { migrateJobQueue } from "../../src/jobs/job-queue.js";
import { migrate } from "../../src/platform/db/migrator.js";
import { createLogger } from "../../src/platform/logging.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { postgres15Bin, startPostgres15, type Postgres15 } from "../harness/postgres-15.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const bin = postgres15Bin();

describe("on PostgreSQL 15", { skip: bin ? false : "no PostgreSQL 15 binaries for this platform (CI runs on linux-x64)" }, () => {
  let server: Postgres15;
  let app: TestApp;
  let root: string;
  let owner: TestUser;
  let org: { slug: string };

  before(async () => {
    server = await startPostgres15(bin!);
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    await admin.query("create database ctxpipe");
    await admin.end();
    const url = server.adminUrl.replace(/\/postgres$/, "/ctxpipe");
    const logger = createLogger("warn");
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    await migrate(pool, logger);
    await pool.end();
    await migrateJobQueue(url, logger);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-pg15-repo-"));
    app = await startTestApp({
      db: { name: "ctxpipe", url, adminUrl: server.adminUrl, drop: async () => {} },
      env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" },
    });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
  });
  after(async () => {
    await app?.stop();
    await server?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("is really version 15", async () => {
    const { rows } = await app.running.platform.db.unsafeSystem.query<{ server_version_num: string }>("show server_version_num");
    assert.match(rows[0]!.server_version_num, /^15\d{4}$/);
  });

  it("indexes a repository and answers search, references and reads; other organisations get 404", async () => {
    const dir = await createTestRepo(root, "shop", {
      "src/cart.ts": "export class Cart {\n  addItem(sku: string) {\n    return applyDiscount(sku);\n  }\n}\n",
      "src/discount.ts": "export function applyDiscount(sku: string) {\n  return sku.length;\n}\n",
    });
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: dir } });
    assert.equal(added.status, 201, added.text);
    assert.equal((await waitForRepository(app, owner, org.slug, added.json.id)).status, "ready");
    const search = async (q: string) => (await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=${encodeURIComponent(q)}`, { as: owner })).json;
    assert.equal((await search("applyDiscount")).results[0].path, "src/discount.ts");
    assert.deepEqual(
      (await search("/add[A-Z]\\w+\\(/")).results.map((r: { path: string }) => r.path),
      ["src/cart.ts"],
    );
    assert.equal((await search("sym:Cart")).results[0].definitions[0].kind, "class");
    const refs = await call(app, "GET", `/api/v1/orgs/${org.slug}/references?name=applyDiscount`, { as: owner });
    assert.deepEqual(
      refs.json.references.map((r: { path: string; line: number }) => `${r.path}:${r.line}`),
      ["src/cart.ts:3"],
    );
    const file = await call(app, "GET", `/api/v1/orgs/${org.slug}/repositories/shop/file?path=src/discount.ts&startLine=2&endLine=2`, { as: owner });
    assert.equal(file.json.lines[0].text, "  return sku.length;");

    const outsider = await signUp(app);
    const other = await createOrgAs(app, outsider);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${other.slug}/repositories/${added.json.id}`, { as: outsider })).status, 404);
    assert.equal((await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=applyDiscount`, { as: outsider })).status, 404);
  });
});
