/**
 * OpenTelemetry against a local OTLP/HTTP receiver written for the test: a search request sent
 * with a `traceparent` produces its server span and its SQL spans under that one trace id;
 * index runs produce job spans with their git processes; the Prometheus endpoint on the
 * private port serves every documented metric name, and the public origin does not.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { METRIC_NAMES } from "../../src/platform/telemetry/index.js";
import { eventually } from "../harness/eventually.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startOtlpReceiver } from "../harness/otlp-receiver.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("telemetry", () => {
  let root: string;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let app: TestApp;
  let owner: TestUser;
  let slug: string;
  let metricsPort: number;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-otel-"));
    receiver = await startOtlpReceiver();
    metricsPort = await freePort();
    app = await startTestApp({
      env: {
        CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_HEADERS: "x-collector-token=test%20token",
        OTEL_SERVICE_NAME: "ctxpipe-under-test",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        CTXPIPE_METRICS_PORT: String(metricsPort),
      },
    });
    owner = await signUp(app);
    slug = (await createOrgAs(app, owner)).slug;
    const dir = await createTestRepo(root, "shop", { "src/discount.ts": "export function applyDiscount(total: number) {\n  return total * 0.9;\n}\n" });
    const added = await call(app, "POST", `/api/v1/orgs/${slug}/repositories`, { as: owner, body: { url: dir, name: "shop" } });
    await waitForRepository(app, owner, slug, added.json.id);
  });
  after(async () => {
    await app?.stop();
    await receiver?.close();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("exports one search request's spans, SQL included, under the caller's trace id", async () => {
    const traceId = randomBytes(16).toString("hex");
    const res = await call(app, "GET", `/api/v1/orgs/${slug}/search?q=applyDiscount`, {
      as: owner,
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
    });
    assert.equal(res.status, 200, res.text);
    const server = await eventually(() => receiver.spans.find((s) => s.traceId === traceId && s.kind === 2) ?? assert.fail("not exported yet"), {
      message: "the request's server span",
    });
    assert.equal(server.name, "GET /api/v1/orgs/:orgSlug/search");
    assert.equal(server.attributes["http.response.status_code"], 200);
    assert.equal(server.service, "ctxpipe-under-test");
    // OTEL_EXPORTER_OTLP_HEADERS reached the collector, URL-decoded.
    assert.equal(receiver.tokens[0], "test token");
    const sql = await eventually(
      () => {
        const found = receiver.spans.filter((s) => s.traceId === traceId && s.attributes["db.system.name"] === "postgresql");
        assert.ok(found.length >= 2, `${found.length} SQL spans`);
        return found;
      },
      { message: "its SQL spans" },
    );
    assert.ok(
      sql.some((s) => String(s.attributes["db.query.text"]).includes("index_chunks") || String(s.attributes["db.query.text"]).includes("ctxpipe_search")),
      sql.map((s) => s.attributes["db.query.text"]).join("\n---\n"),
    );
    // Every span of the request hangs under the server span.
    const ids = new Set(receiver.spans.filter((s) => s.traceId === traceId).map((s) => s.spanId));
    for (const s of sql) assert.ok(s.parentSpanId && ids.has(s.parentSpanId));
  });

  it("traces index runs as jobs with their git processes", async () => {
    const job = await eventually(() => receiver.spans.find((s) => s.name === "job repository.sync") ?? assert.fail("not exported yet"), {
      message: "an index run's job span",
    });
    assert.equal(job.kind, 5);
    const inJob = receiver.spans.filter((s) => s.traceId === job.traceId);
    // Named by git's sub-command (past `-c key=value`), never by an option.
    const git = inJob.filter((s) => s.name.startsWith("git "));
    assert.ok(git.length > 0 && git.every((s) => /^git [a-z][a-z-]*$/.test(s.name)), inJob.map((s) => s.name).join(", "));
    assert.ok(inJob.some((s) => s.attributes["db.system.name"] === "postgresql"));
  });

  it("serves every documented metric on the private port only", async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (const name of Object.values(METRIC_NAMES)) assert.match(text, new RegExp(`^${name}`, "m"), `${name} missing from:\n${text.slice(0, 3000)}`);
    assert.match(text, /ctxpipe_http_server_duration_seconds_count\{[^}]*route="\/api\/v1\/orgs\/:orgSlug\/search"/);
    const publicOrigin = await fetch(`${app.url}/metrics`);
    assert.doesNotMatch(await publicOrigin.text(), /ctxpipe_http_server_duration_seconds/);
  });
});
