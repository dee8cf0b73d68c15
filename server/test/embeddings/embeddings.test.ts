/**
 * Chunk embeddings through the real pipeline (REST, the index run, the embeddings.embed job on
 * the worker, Postgres) against a local embedding provider that speaks the OpenAI wire format:
 * the new blobs of each index run are embedded once (a second run embeds nothing), a backfill
 * shows its cost first and its progress after, a provider outage leaves a note and search
 * answering and is retried, a model answering the wrong length fails with a clear error and
 * stores nothing, and the SemanticRanker answers the nearest blobs first, in its own org only.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runEmbedding } from "../../src/embeddings/embedding-run.js";
import { createSemanticRanker } from "../../src/embeddings/semantic-ranker.js";
import { embeddingModelOf } from "../../src/models/index.js";
import { withTenant } from "../../src/platform/db/tenant.js";
import { createLogger } from "../../src/platform/logging.js";
import { eventually } from "../harness/eventually.js";
import { type FakeEmbeddings, startFakeEmbeddings } from "../harness/fake-embeddings.js";
import { commitFiles, createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { reindexTo, waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const KEY = "embedding-test-key";
const DIMENSIONS = 256;

/** Files whose words a question shares (and nothing else does). */
const FILES: Record<string, string> = {
  "src/session/expiry.ts":
    "/** A session cookie expires after the idle timeout; the refresh token renews the session. */\nexport function renewSession(cookie: string, idleTimeout: number) {\n  return { cookie, expires: Date.now() + idleTimeout };\n}\n",
  "src/billing/invoice.ts":
    "/** The invoice total: every line amount with its tax, rounded to the currency's cents. */\nexport function invoiceTotal(lines: { amount: number; tax: number }[]) {\n  return Math.round(lines.reduce((sum, l) => sum + l.amount * (1 + l.tax), 0) * 100) / 100;\n}\n",
  "src/search/highlight.ts":
    "/** Highlights the matching terms of each result line. */\nexport function highlightLine(line: string, terms: string[]) {\n  return terms.reduce((text, term) => text.replaceAll(term, term.toUpperCase()), line);\n}\n",
  "docs/deploy.md": "# Deployment\n\nRun the docker compose file: one postgres volume, one app container, backups nightly.\n",
};

describe("chunk embeddings", () => {
  let root: string;
  let repoDir: string;
  let fake: FakeEmbeddings;
  let app: TestApp;
  let owner: TestUser;
  let org: { id: string; slug: string };
  let repositoryId: string;

  const sql = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> =>
    (await app.running.platform.db.unsafeSystem.query(text, values)).rows as T[];
  const status = async () => {
    const res = await call(app, "GET", `/api/v1/orgs/${org.slug}/embeddings`, { as: owner });
    assert.equal(res.status, 200, res.text);
    return res.json;
  };
  const vectorCount = async () => (await sql<{ n: number }>("select count(*)::int as n from embedding_vectors where org_id = $1", [org.id]))[0]!.n;
  const blobOf = async (file: string) =>
    (await sql<{ blob_oid: string }>("select blob_oid from index_files where repository_id = $1 and path = $2 and valid_to is null", [repositoryId, file]))[0]!
      .blob_oid;
  /** Waits until nothing is pending and the latest run is idle. */
  const settled = () =>
    eventually(
      async () => {
        const s = await status();
        assert.equal(s.chunks.pending, 0, JSON.stringify(s));
        assert.equal(s.run.status, "idle", JSON.stringify(s));
        return s;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: "the embeddings did not settle" },
    );
  /** Commits, re-indexes and waits until `head` is published. */
  const commitAndIndex = async (changes: Record<string, string | null>) => {
    const head = await commitFiles(repoDir, changes, "change");
    await reindexTo(app, owner, org.slug, repositoryId, head);
  };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-embeddings-"));
    repoDir = await createTestRepo(root, "app", FILES);
    fake = await startFakeEmbeddings({ key: KEY, dimensions: DIMENSIONS });
    app = await startTestApp({
      env: {
        CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
        MODEL_EMBEDDING_NAME: "fake-embed-1",
        MODEL_EMBEDDING_DIMENSIONS: String(DIMENSIONS),
        MODEL_EMBEDDING_PROVIDER_URL: fake.url,
        MODEL_EMBEDDING_PROVIDER_API_KEY: KEY,
        MODEL_EMBEDDING_PRICE_PER_MILLION_TOKENS: "0.02",
        CTXPIPE_EMBEDDING_BATCH_SIZE: "3",
        // The queue retries a failed run (1 s apart in tests); requests are not retried within it.
        CTXPIPE_EMBEDDING_REQUEST_RETRIES: "0",
      },
    });
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
    const added = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url: repoDir, name: "app" } });
    assert.equal(added.status, 201, added.text);
    repositoryId = added.json.id;
    const ready = await waitForRepository(app, owner, org.slug, repositoryId);
    assert.equal(ready.status, "ready", JSON.stringify(ready));
  });
  after(async () => {
    await app?.stop();
    await fake?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it("embeds a new repository's blobs after its index run, in batches, with the path first", async () => {
    const s = await settled();
    assert.equal(s.configured, true);
    assert.deepEqual(s.model, { provider: "openai-compatible", name: "fake-embed-1", dimensions: DIMENSIONS });
    assert.equal(s.chunks.embedded, 4, "one chunk per file");
    assert.equal(await vectorCount(), 4);
    assert.equal(s.run.kind, "incremental");
    assert.equal(s.run.done, 4);
    assert.ok(s.budget.usedToday > 0 && s.run.tokensTotal === s.budget.usedToday, JSON.stringify(s));
    assert.equal(fake.textsEmbedded, 4);
    assert.ok(fake.requests.every((r) => r.input.length <= 3 && r.dimensions === DIMENSIONS && r.model === "fake-embed-1"));
    const inputs = fake.requests.flatMap((r) => r.input);
    assert.ok(inputs.some((t) => t.startsWith("src/billing/invoice.ts\n/** The invoice total")));
  });

  it("embeds only the new blobs of a later run, and a backfill then embeds nothing", async () => {
    const textsBefore = fake.textsEmbedded;
    await commitAndIndex({
      "src/billing/refund.ts": "/** Refunds an invoice: the amount returns to the card. */\nexport function refund(amount: number) {\n  return -amount;\n}\n",
      "docs/deploy.md": `${FILES["docs/deploy.md"]}\nUpgrades: pull the new image and restart.\n`,
    });
    await settled();
    assert.equal(fake.textsEmbedded - textsBefore, 2, "the added file and the changed one");
    const sent = fake.requests.slice(-1).flatMap((r) => r.input);
    assert.ok(
      sent.every((t) => t.startsWith("src/billing/refund.ts\n") || t.startsWith("docs/deploy.md\n")),
      JSON.stringify(sent),
    );
    assert.equal(await vectorCount(), 5, "the old deploy.md's vector went with its blob");

    const backfill = await call(app, "POST", `/api/v1/orgs/${org.slug}/embeddings/backfill`, { as: owner });
    assert.equal(backfill.status, 202, backfill.text);
    const s = await eventually(
      async () => {
        const now = await status();
        assert.equal(now.run.kind, "backfill");
        assert.equal(now.run.status, "idle");
        return now;
      },
      { timeoutMs: 30_000, message: "the backfill did not run" },
    );
    assert.equal(s.run.done, 0);
    assert.equal(s.run.total, 0);
    assert.equal(fake.textsEmbedded - textsBefore, 2, "nothing embedded twice");
  });

  it("shows a backfill's cost before it runs, then its progress", async () => {
    // An index built before the embedding model was configured: no vectors.
    await sql("delete from embedding_vectors where org_id = $1", [org.id]);
    const estimate = await status();
    assert.equal(estimate.chunks.pending, 5);
    assert.equal(estimate.chunks.embedded, 0);
    assert.ok(estimate.estimate.tokens > 50, JSON.stringify(estimate.estimate));
    assert.equal(estimate.estimate.pricePerMillionTokens, 0.02);
    assert.equal(estimate.estimate.costUsd, Math.round(estimate.estimate.tokens * 0.02) / 1_000_000);

    const member = await signUp(app);
    const invite = await call(app, "POST", `/api/v1/orgs/${org.slug}/invitations`, { as: owner, body: { email: member.email, role: "member" } });
    const token = new URL(invite.json.inviteUrl).searchParams.get("token");
    assert.equal((await call(app, "POST", "/api/v1/invitations/accept", { as: member, body: { token } })).status, 200);
    assert.equal((await call(app, "POST", `/api/v1/orgs/${org.slug}/embeddings/backfill`, { as: member })).status, 403, "admins start backfills");

    const queued = await call(app, "POST", `/api/v1/orgs/${org.slug}/embeddings/backfill`, { as: owner });
    assert.equal(queued.status, 202, queued.text);
    assert.ok(["queued", "running", "idle"].includes(queued.json.run.status), queued.text);
    const done = await settled();
    assert.equal(done.run.kind, "backfill");
    assert.equal(done.run.done, 5);
    assert.equal(done.run.total, 5);
    assert.equal(done.chunks.embedded, 5);
    assert.equal(done.estimate.tokens, 0);
  });

  it("answers the nearest blobs first, and nothing to another organisation", async () => {
    const config = app.running.platform.config.embedding!;
    const ranker = createSemanticRanker({ db: app.running.platform.db, config, model: embeddingModelOf(config), logger: createLogger("silent") });
    const session = await ranker.rank({ orgId: org.id }, { question: "how does the session cookie expire after the idle timeout?", limit: 3 });
    assert.equal(session.note, undefined);
    assert.equal(session.hits.length, 3);
    assert.equal(session.hits[0]!.blobOid, await blobOf("src/session/expiry.ts"));
    assert.ok(session.hits[0]!.score > session.hits[1]!.score, JSON.stringify(session.hits));
    const invoice = await ranker.rank({ orgId: org.id }, { question: "where is the invoice tax rounded to cents", limit: 10 });
    assert.equal(invoice.hits[0]!.blobOid, await blobOf("src/billing/invoice.ts"));
    assert.ok(invoice.hits.length <= 5, "one hit per blob");

    const stranger = await signUp(app);
    const other = await createOrgAs(app, stranger);
    const elsewhere = await ranker.rank({ orgId: other.id }, { question: "how does the session cookie expire after the idle timeout?", limit: 3 });
    assert.deepEqual(elsewhere.hits, []);
    assert.match(elsewhere.note ?? "", /No embeddings/);
    // Row-level security alone: another org's scope naming this org's rows sees none of them.
    for (const table of ["embedding_vectors", "embedding_state"]) {
      const seen = await withTenant(app.running.platform.db, { orgId: other.id }, async (tx) => {
        const { rows } = await tx.query<{ n: number }>(`select count(*)::int as n from ${table} where org_id = $1`, [org.id]);
        return rows[0]!.n;
      });
      assert.equal(seen, 0, table);
      assert.ok((await sql<{ n: number }>(`select count(*)::int as n from ${table} where org_id = $1`, [org.id]))[0]!.n > 0, `${table} has org A's rows`);
    }
  });

  it("keeps search answering with a note while the provider is down, and retries the run", async () => {
    const config = app.running.platform.config.embedding!;
    const ranker = createSemanticRanker({ db: app.running.platform.db, config, model: embeddingModelOf(config), logger: createLogger("silent") });
    fake.mode = { status: 500 };
    const down = await ranker.rank({ orgId: org.id }, { question: "where is the invoice tax rounded", limit: 5 });
    assert.deepEqual(down.hits, []);
    assert.match(down.note ?? "", /Embeddings unavailable \(the embedding provider answered HTTP 500\): lexical ranking only/);
    const search = await call(app, "GET", `/api/v1/orgs/${org.slug}/search?q=invoiceTotal`, { as: owner });
    assert.equal(search.status, 200, search.text);
    assert.ok(search.json.results.some((r: { path: string }) => r.path === "src/billing/invoice.ts"));

    await commitAndIndex({ "src/billing/credit.ts": "/** Credit notes cancel part of an invoice. */\nexport const creditNote = true;\n" });
    const failing = await eventually(
      async () => {
        const s = await status();
        assert.match(s.run.note ?? "", /HTTP 500\. Lexical search is unaffected\. Retrying\./);
        return s;
      },
      { timeoutMs: 30_000, message: "the outage left no note" },
    );
    assert.equal(failing.chunks.pending, 1);
    fake.mode = "ok";
    const recovered = await settled();
    assert.equal(recovered.run.note, null);
    assert.equal(recovered.chunks.embedded, 6);
  });

  it("fails a run whose model answers the wrong number of dimensions, storing nothing", async () => {
    fake.mode = "wrong-dimensions";
    const stored = await vectorCount();
    await commitAndIndex({ "src/billing/discount.ts": "/** Discounts lower an invoice line's amount. */\nexport const discount = 0.1;\n" });
    const failed = await eventually(
      async () => {
        const s = await status();
        assert.equal(s.run.status, "failed", JSON.stringify(s.run));
        return s;
      },
      { timeoutMs: 30_000, message: "the run did not fail" },
    );
    assert.match(failed.run.note, /answered vectors of 257 dimensions, but MODEL_EMBEDDING_DIMENSIONS is 256\. Nothing was stored/);
    assert.equal(failed.chunks.pending, 1);
    assert.equal(await vectorCount(), stored);
    // Failed terminally: the queue's retry (1 s later in tests) never asks the provider again.
    // This wait proves that something does not happen.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(fake.requests.filter((r) => r.input.some((t) => t.startsWith("src/billing/discount.ts\n"))).length, 1);
    assert.equal((await status()).run.status, "failed");
    const requests = fake.requests.length;
    const config = app.running.platform.config.embedding!;
    const ranker = createSemanticRanker({ db: app.running.platform.db, config, model: embeddingModelOf(config), logger: createLogger("silent") });
    const wrong = await ranker.rank({ orgId: org.id }, { question: "discounts", limit: 5 });
    assert.deepEqual(wrong.hits, []);
    assert.match(wrong.note ?? "", /257 dimensions/);
    assert.equal(fake.requests.length, requests + 1, "only the question's request");
  });

  it("pauses a run at the daily token budget, embedding nothing past it", async () => {
    fake.mode = "ok";
    const config = app.running.platform.config.embedding!;
    const deps = { db: app.running.platform.db, model: embeddingModelOf(config), logger: createLogger("silent") };
    const spent = (await status()).budget.usedToday;
    const stored = await vectorCount();
    const requests = fake.requests.length;
    const paused = await runEmbedding({ ...deps, config: { ...config, dailyTokensPerOrg: spent } }, { orgId: org.id, kind: "backfill" });
    assert.deepEqual(paused, { ended: "budget", chunks: 0, tokens: 0 });
    const s = await status();
    assert.equal(s.run.status, "paused");
    assert.match(s.run.note, /daily budget of \d+ tokens \(CTXPIPE_EMBEDDING_DAILY_TOKENS_PER_ORG\) is spent/);
    assert.equal(s.chunks.pending, 1);
    assert.equal(await vectorCount(), stored);
    assert.equal(fake.requests.length, requests, "nothing was sent");
    // With the day's budget left, the same run embeds the rest.
    const done = await runEmbedding({ ...deps, config }, { orgId: org.id, kind: "backfill" });
    assert.equal(done.ended, "done");
    assert.equal(done.chunks, 1);
    assert.equal((await status()).chunks.pending, 0);
  });
});
