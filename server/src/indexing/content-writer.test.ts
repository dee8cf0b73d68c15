/**
 * The pipelined content writer on real Postgres, as the app role: batches written while the
 * next is built, symbols stored once per blob and language in document order, and a failed
 * write reported to the caller.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createTestDatabase, type TestDatabase } from "../../test/harness/test-database.js";
import { createDatabase, type Database } from "../platform/db/database.js";
import { withTenant } from "../platform/db/tenant.js";
import { createLogger } from "../platform/logging.js";
import { chunkText } from "./chunker.js";
import { ContentWriter } from "./content-writer.js";
import type { SymbolRow } from "./index-writer.js";

const symbol = (name: string, line: number): SymbolRow => ({ name, kind: "function", container: null, startLine: line, endLine: line, nameLine: line });

describe("ContentWriter", () => {
  let testDb: TestDatabase;
  let db: Database;
  let orgId: string;

  before(async () => {
    testDb = await createTestDatabase();
    db = createDatabase({ url: testDb.url, poolSize: 2, logger: createLogger("silent"), applicationName: "content-writer-test" });
    const { rows } = await db.unsafeSystem.query<{ id: string }>("insert into orgs (slug, name) values ($1, $1) returning id", [
      `org-${randomBytes(4).toString("hex")}`,
    ]);
    orgId = rows[0]!.id;
  });

  after(async () => {
    await db.close();
    await testDb.drop();
  });

  it("writes every batch, a few in flight, and each blob's symbols once in document order", async () => {
    const blobs = Array.from({ length: 30 }, (_, i) => ({
      oid: `blob-${i}`,
      text: Array.from({ length: 300 }, (_, l) => `line ${l} of blob ${i}`).join("\n"),
    }));
    await withTenant(db, { orgId }, async (tx) => {
      const writer = new ContentWriter(tx, orgId, 10_000, 3);
      let sent = 0;
      for (const blob of blobs) {
        writer.addChunks(blob.oid, chunkText(blob.text));
        writer.addSymbols(blob.oid, "javascript", [symbol(`first${blob.oid}`, 1), symbol(`second${blob.oid}`, 200)]);
        // The same blob and language again (another path): no second set of rows.
        writer.addSymbols(blob.oid, "javascript", [symbol("duplicate", 3)]);
        if (writer.full) {
          await writer.send();
          sent++;
        }
      }
      await writer.flush();
      assert.ok(sent > 3, `several batches (${sent})`);
    });
    const stored = await withTenant(db, { orgId }, async (tx) => ({
      chunks: (await tx.query<{ n: number; lines: number }>("select count(*)::int as n, sum(line_count)::int as lines from index_chunks")).rows[0],
      symbols: (await tx.query<{ blob_oid: string; name: string }>("select blob_oid, name from index_symbols where blob_oid = 'blob-7' order by start_line"))
        .rows,
      total: (await tx.query<{ n: number }>("select count(*)::int as n from index_symbols")).rows[0]!.n,
      found: (await tx.query<{ blob_oid: string }>("select blob_oid from index_chunks where content like '%line 299 of blob 12%'")).rows,
      withIds: (await tx.query<{ n: number }>("select count(*)::int as n from index_chunks where chunk_id is not null")).rows[0]!.n,
      segments: (await tx.query<{ n: number }>("select count(*)::int as n from index_trigram_segments")).rows[0]!.n,
    }));
    // Without trigramPostings (pg_trgm, the default), no chunk ids and no lists are written.
    assert.equal(stored.withIds, 0);
    assert.equal(stored.segments, 0);
    assert.deepEqual(stored.chunks, { n: blobs.reduce((n, b) => n + chunkText(b.text).length, 0), lines: 30 * 300 });
    assert.deepEqual(
      stored.symbols.map((s) => s.name),
      ["firstblob-7", "secondblob-7"],
    );
    assert.equal(stored.total, 60);
    assert.deepEqual(
      stored.found.map((r) => r.blob_oid),
      ["blob-12"],
    );
  });

  it("reports a failed write to the next call", async () => {
    const { rows } = await db.unsafeSystem.query<{ id: string }>("insert into orgs (slug, name) values ($1, $1) returning id", [
      `org-${randomBytes(4).toString("hex")}`,
    ]);
    const otherOrg = rows[0]!.id;
    await assert.rejects(
      withTenant(db, { orgId }, async (tx) => {
        // Rows of another organisation break the row-level-security check.
        const writer = new ContentWriter(tx, otherOrg, 1);
        writer.addChunks("blob-x", chunkText("a\nb"));
        await writer.send();
        await writer.flush();
      }),
      /row-level security/,
    );
  });
});
