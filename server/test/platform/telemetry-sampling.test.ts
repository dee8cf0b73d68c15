/**
 * Trace sampling (OTEL_TRACES_SAMPLER): with `parentbased_traceidratio` at 0, a request of its
 * own is not exported, and a request whose caller sampled its trace (`traceparent … -01`) is,
 * its SQL spans included. (Telemetry is set up once per process, hence a file of its own.)
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { eventually } from "../harness/eventually.js";
import { startOtlpReceiver } from "../harness/otlp-receiver.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("trace sampling", () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let app: TestApp;
  let owner: TestUser;
  let slug: string;

  before(async () => {
    receiver = await startOtlpReceiver();
    app = await startTestApp({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: "50",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0",
      },
    });
    owner = await signUp(app);
    slug = (await createOrgAs(app, owner)).slug;
  });
  after(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it("exports what the caller sampled, and nothing of its own", async () => {
    assert.equal((await call(app, "GET", `/api/v1/orgs/${slug}/repositories`, { as: owner })).status, 200);
    const traceId = randomBytes(16).toString("hex");
    const res = await call(app, "GET", `/api/v1/orgs/${slug}/repositories`, {
      as: owner,
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
    });
    assert.equal(res.status, 200);
    await eventually(() => assert.ok(receiver.spans.some((s) => s.traceId === traceId && s.name === "GET /api/v1/orgs/:orgSlug/repositories")), {
      message: "the sampled request's server span",
    });
    assert.ok(receiver.spans.some((s) => s.traceId === traceId && s.attributes["db.system.name"] === "postgresql"));
    // Everything exported belongs to the sampled trace: the unsampled request, sign-up and
    // the background jobs left none. Proving that none comes takes a wait: six export batches (50 ms apart).
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual([...new Set(receiver.spans.map((s) => s.traceId))], [traceId]);
  });
});
