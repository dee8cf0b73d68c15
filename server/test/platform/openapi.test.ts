/**
 * The OpenAPI 3.1 document generated from the route specs, and its reference page.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../harness/test-app.js";

interface Operation {
  operationId: string;
  summary: string;
  parameters?: { name: string; in: string; required: boolean; schema: unknown }[];
  responses: Record<string, { description: string }>;
  requestBody?: { content: Record<string, { schema: { type?: string; properties?: Record<string, unknown> } }> };
}

describe("OpenAPI", () => {
  let app: TestApp;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; servers: { url: string }[] };
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
    doc = (await (await fetch(`${app.url}/api/v1/openapi.json`)).json()) as typeof doc;
  });
  after(() => app.stop());

  it("is an OpenAPI 3.1 document for the public origin", () => {
    assert.equal(doc.openapi, "3.1.0");
    assert.equal(doc.servers[0]?.url, "http://localhost:3000");
  });

  it("documents the accounts endpoints", () => {
    for (const [path, method] of [
      ["/api/v1/me", "get"],
      ["/api/v1/orgs", "post"],
      ["/api/v1/orgs", "get"],
      ["/api/v1/orgs/{orgSlug}", "patch"],
      ["/api/v1/orgs/{orgSlug}", "delete"],
      ["/api/v1/orgs/{orgSlug}/members/{userId}", "patch"],
      ["/api/v1/orgs/{orgSlug}/audit-events", "get"],
    ]) {
      assert.ok(doc.paths[path!]?.[method!], `${method} ${path}`);
    }
    const create = doc.paths["/api/v1/orgs"]!.post!;
    assert.deepEqual(Object.keys(create.requestBody?.content["application/json"]?.schema.properties ?? {}).sort(), ["name", "slug"]);
    assert.ok(create.responses["201"] && create.responses["409"] && create.responses["401"]);
  });

  it("declares every path parameter and unique operation ids", () => {
    const ids = new Set<string>();
    for (const [path, methods] of Object.entries(doc.paths)) {
      const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(methods)) {
        const declared = (op.parameters ?? [])
          .filter((p) => p.in === "path")
          .map((p) => p.name)
          .sort();
        assert.deepEqual(declared, placeholders, `${method} ${path}`);
        assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
        ids.add(op.operationId);
        assert.ok(op.summary && Object.keys(op.responses).length > 0);
      }
    }
  });

  it("serves a readable reference page", async () => {
    const res = await fetch(`${app.url}/api/v1/docs`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /ctxpipe API reference/);
  });
});
