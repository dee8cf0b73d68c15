/**
 * The SSRF-safe fetch GitHub API calls go through: internal addresses are refused whether
 * given as an IP literal or behind a name, unless the host is allow-listed; redirects are
 * answers, not followed. And the fake GitHub's schema check rejects a response GitHub would
 * never send (so the fake's "no schema errors" means something).
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createOutboundFetch, ForbiddenAddressError } from "../../src/connections/github/outbound-fetch.js";
import { githubSchemaProblems } from "../harness/fake-github.js";

describe("outbound fetch", () => {
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/redirect") res.writeHead(302, { location: "http://169.254.169.254/latest" }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("refuses loopback by literal and by name unless allow-listed", async () => {
    const strict = createOutboundFetch({ allowedHosts: [], timeoutMs: 5_000 });
    await assert.rejects(strict(`http://127.0.0.1:${port}/`), ForbiddenAddressError);
    await assert.rejects(strict(`http://localhost:${port}/`), (err: Error) => err.cause instanceof ForbiddenAddressError);
    const allowed = createOutboundFetch({ allowedHosts: ["127.0.0.1", "localhost"], timeoutMs: 5_000 });
    assert.deepEqual(await (await allowed(`http://127.0.0.1:${port}/`)).json(), { ok: true });
    assert.equal((await allowed(`http://localhost:${port}/`)).status, 200);
  });

  it("answers a redirect instead of following it", async () => {
    const allowed = createOutboundFetch({ allowedHosts: ["127.0.0.1"], timeoutMs: 5_000 });
    const res = await allowed(`http://127.0.0.1:${port}/redirect`);
    assert.equal(res.status, 302);
  });

  it("the fake GitHub's schema check rejects a malformed installation", () => {
    const route = "/app/installations/{installation_id}";
    assert.notDeepEqual(githubSchemaProblems(route, "get", 200, { id: "not a number" }), []);
    assert.notDeepEqual(githubSchemaProblems(route, "get", 200, {}), []);
  });
});
