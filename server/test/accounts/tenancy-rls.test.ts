/**
 * Row-level security as the second wall: the app role owns no table, a query that forgets
 * its scope sees nothing, another org's scope sees nothing, and the identity tables are off
 * limits beyond public profile columns.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { withTransaction } from "../../src/platform/db/database.js";
import { withTenant, withUserScope, type Queryable } from "../../src/platform/db/tenant.js";
import { createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const ORG_OWNED_TABLES = [
  "orgs",
  "org_members",
  "org_invitations",
  "api_keys",
  "org_secrets",
  "audit_events",
  "repositories",
  "index_files",
  "index_chunks",
  "index_symbols",
  "index_symbol_blobs",
  "index_term_blobs",
  "index_term_stats",
  "index_trigram_segments",
  "index_trigram_postings",
  "mcp_usage_daily",
  "embedding_vectors",
  "embedding_state",
];

describe("row-level security", () => {
  let app: TestApp;
  let alice: TestUser;
  let orgA: { id: string; slug: string };
  let orgB: { id: string; slug: string };
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
    alice = await signUp(app);
    const bob = await signUp(app);
    orgA = await createOrgAs(app, alice);
    orgB = await createOrgAs(app, bob);
  });
  after(() => app.stop());

  it("runs application queries as a role that owns no table", async () => {
    const db = app.running.platform.db;
    const { rows } = await db.app.query("select current_user as role, (select rolbypassrls from pg_roles where rolname = current_user) as bypass");
    assert.deepEqual(rows[0], { role: "ctxpipe_app", bypass: false });
    const owned = await db.app.query("select tablename from pg_tables where tableowner = current_user");
    assert.equal(owned.rowCount, 0);
  });

  it("enables a policy on every org-owned table", async () => {
    const { rows } = await app.running.platform.db.unsafeSystem.query<{ relname: string; relrowsecurity: boolean; policies: number }>(
      `select c.relname, c.relrowsecurity, (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r' and exists (
         select 1 from information_schema.columns col where col.table_schema = 'public' and col.table_name = c.relname and col.column_name = 'org_id')`,
    );
    const byName = new Map(rows.map((r) => [r.relname, r]));
    for (const table of ORG_OWNED_TABLES.filter((t) => t !== "orgs")) {
      assert.equal(byName.get(table)?.relrowsecurity, true, `${table} has RLS`);
      assert.ok((byName.get(table)?.policies ?? 0) > 0, `${table} has a policy`);
    }
    for (const row of rows) assert.ok(row.relrowsecurity && row.policies > 0, `every table with org_id has RLS: ${row.relname}`);
  });

  it("returns nothing to a query run without the org scope", async () => {
    const db = app.running.platform.db;
    for (const table of ORG_OWNED_TABLES) {
      // Every org-owned table answers nothing without a scope.
      const unscoped = await db.app.query(`select count(*)::int as n from ${table}`);
      assert.equal(unscoped.rows[0].n, 0, `${table} without scope`);
    }
    const owner = await db.unsafeSystem.query("select count(*)::int as n from org_members");
    assert.ok(owner.rows[0].n >= 2, "the rows exist");
  });

  it("shows one org's rows only to that org's scope", async () => {
    const db = app.running.platform.db;
    const seen = await withTenant(db, { orgId: orgA.id }, async (tx) => (await tx.query("select org_id from org_members")).rows);
    assert.ok(seen.length > 0 && seen.every((r) => r.org_id === orgA.id));
    const updated = await withTenant(db, { orgId: orgA.id }, (tx) => tx.query("update orgs set name = 'hijacked' where id = $1", [orgB.id]));
    assert.equal(updated.rowCount, 0, "cannot update another org");
    await assert.rejects(
      withTenant(db, { orgId: orgA.id }, (tx) => tx.query("insert into audit_events (org_id, actor_type, action) values ($1, 'system', 'x')", [orgB.id])),
      /row-level security/,
      "cannot write into another org",
    );
  });

  it("lets a user scope see only their own memberships", async () => {
    const db = app.running.platform.db;
    const rows = await withUserScope(db, alice.id, async (tx) => (await tx.query("select o.slug from orgs o")).rows);
    assert.deepEqual(
      rows.map((r) => r.slug),
      [orgA.slug],
    );
  });

  it("scopes the search functions like RLS: nothing without a scope, one org with one", async () => {
    const db = app.running.platform.db;
    await db.unsafeSystem.query(
      `insert into index_chunks (org_id, blob_oid, chunk_no, start_line, line_count, content)
       values ($1, 'blob-a', 0, 1, 1, 'shared needle in a'), ($2, 'blob-b', 0, 1, 1, 'shared needle in b')`,
      [orgA.id, orgB.id],
    );
    await db.unsafeSystem.query(
      `insert into index_symbols (org_id, blob_oid, language, name, kind, container, start_line, end_line, name_line)
       values ($1, 'blob-a', 'go', 'SharedNeedle', 'function', null, 1, 1, 1),
              ($2, 'blob-b', 'go', 'SharedNeedle', 'function', null, 1, 1, 1)`,
      [orgA.id, orgB.id],
    );
    await db.unsafeSystem.query(
      `with r as (insert into repositories (org_id, name, url, url_kind) select o, 'needle', '/srv/needle', 'local' from unnest($1::uuid[]) as o returning id, org_id)
       insert into index_files (org_id, repository_id, path, blob_oid, language, size, valid_from)
       select r.org_id, r.id, 'src/needle.go', case when r.org_id = $2 then 'blob-a' else 'blob-b' end, 'go', 18, 1 from r`,
      [[orgA.id, orgB.id], orgA.id],
    );
    /** Opens a chunk scan (a cursor) and reads it, in one transaction. */
    const scan = (tx: Queryable, mode: string, within: string[] | null, perBlob: number | null) =>
      tx
        .query("select ctxpipe_open_chunk_scan($1, '%needle%', $2, $3) as c", [mode, within, perBlob])
        .then(async ({ rows }) => (await tx.query(`fetch all from "${rows[0].c}"`)).rows.map((r) => r.blob_oid));
    const unscoped = await withTransaction(db.app, async (tx) => ({
      chunks: await scan(tx, "ilike", null, null),
      within: await scan(tx, "ilike", ["blob-a", "blob-b"], 1),
      paths: (await tx.query("select * from ctxpipe_match_paths(array['needle'], 10)")).rowCount,
    }));
    assert.deepEqual(unscoped, { chunks: [], within: [], paths: 0 });
    assert.equal((await db.app.query("select * from ctxpipe_search_symbols('exact', 'sharedneedle', 100)")).rowCount, 0);
    const scoped = await withTenant(db, { orgId: orgA.id }, async (tx) => ({
      chunks: await scan(tx, "ilike", null, null),
      within: await scan(tx, "ilike", ["blob-a", "blob-b"], null),
      perBlob: await scan(tx, "ilike", ["blob-a", "blob-b"], 1),
      paths: (await tx.query("select blob_oid from ctxpipe_match_paths(array['needle', '\\.go$'], 10)")).rows.map((r) => r.blob_oid),
      symbols: (await tx.query("select blob_oid from ctxpipe_search_symbols('substring', 'needle', 100)")).rows.map((r) => r.blob_oid),
    }));
    assert.deepEqual(scoped, { chunks: ["blob-a"], within: ["blob-a"], perBlob: ["blob-a"], paths: ["blob-a"], symbols: ["blob-a"] });
    await assert.rejects(
      withTenant(db, { orgId: orgA.id }, (tx) => scan(tx, "drop table", null, null)),
      /unknown search mode/,
    );
  });

  it("scopes the term ranking like RLS: nothing without a scope, one org's blobs with one", async () => {
    const db = app.running.platform.db;
    const { rows: repos } = await db.unsafeSystem.query<{ id: string; org_id: string }>(
      `with r as (insert into repositories (org_id, name, url, url_kind) select o, 'terms', '/srv/terms', 'local' from unnest($1::uuid[]) as o returning id, org_id)
       insert into index_files (org_id, repository_id, path, blob_oid, language, size, valid_from)
       select r.org_id, r.id, 'src/terms.go', case when r.org_id = $2 then 'term-blob-a' else 'term-blob-b' end, 'go', 18, 1 from r
       returning repository_id as id, org_id`,
      [[orgA.id, orgB.id], orgA.id],
    );
    await db.unsafeSystem.query(
      `insert into index_term_blobs (org_id, blob_oid, length, terms)
       values ($1, 'term-blob-a', 3, '{42,45}'), ($2, 'term-blob-b', 3, '{42,45}')`,
      [orgA.id, orgB.id],
    );
    const rank = (tx: Queryable, repositoryIds: string[] | null) =>
      tx
        .query("select blob_oid, score from ctxpipe_rank_term_blobs('{42,45}', '{1,2}', '{1,2.5}', '{t,f}', '{1,1}', 3, null, $1::uuid[], $2::int[], 10)", [
          repositoryIds,
          repositoryIds?.map(() => 1) ?? null,
        ])
        .then((r) => r.rows.map((row) => row.blob_oid));
    const all = repos.map((r) => r.id);
    const repoOf = (org: string) => repos.filter((r) => r.org_id === org).map((r) => r.id);
    assert.deepEqual(await withTransaction(db.app, (tx) => rank(tx, all)), []);
    assert.deepEqual(await withTransaction(db.app, (tx) => rank(tx, null)), []);
    assert.deepEqual(await withTenant(db, { orgId: orgA.id }, (tx) => rank(tx, all)), ["term-blob-a"]);
    assert.deepEqual(await withTenant(db, { orgId: orgA.id }, (tx) => rank(tx, null)), ["term-blob-a"]);
    assert.deepEqual(await withTenant(db, { orgId: orgA.id }, (tx) => rank(tx, repoOf(orgB.id))), [], "another org's repository shows nothing");
    assert.deepEqual(await withTenant(db, { orgId: orgB.id }, (tx) => rank(tx, repoOf(orgB.id))), ["term-blob-b"]);
    await assert.rejects(
      withTenant(db, { orgId: orgA.id }, (tx) =>
        tx.query("select * from ctxpipe_rank_term_blobs('{42}', '{1}', '{1}', '{t}', '{1}', 3, null, null, null, 100000)"),
      ),
      /at most 256 keys/,
    );
  });

  it("keeps sessions, accounts and password hashes away from the app role", async () => {
    const db = app.running.platform.db;
    for (const table of ['auth."session"', 'auth."account"', 'auth."verification"']) {
      await assert.rejects(db.app.query(`select * from ${table} limit 1`), /permission denied/, table);
    }
    await assert.rejects(db.app.query('select "emailVerified" from auth."user" limit 1'), /permission denied/);
    const profile = await db.app.query('select "id", "email" from auth."user" where "id" = $1', [alice.id]);
    assert.equal(profile.rowCount, 1);
  });
});
