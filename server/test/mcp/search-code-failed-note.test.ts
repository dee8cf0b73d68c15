/**
 * search_code names a failed repository only when it could matter to the question (nothing
 * was found, or the query's repo: filter names it), not on every answer (#27).
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("search_code's note about failed repositories", () => {
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };
  let root: string;
  let client: Client;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-mcp-note-"));
    const good = await createTestRepo(root, "shop", { "src/cart.ts": "export function applyDiscount(sku: string) {\n  return sku.length;\n}\n" });
    const broken = path.join(root, "broken");
    await fs.mkdir(broken); // not a git repository: its index run fails for good
    app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
    owner = await signUp(app);
    org = await createOrgAs(app, owner, "note-org");
    for (const [url, name, status] of [
      [good, "shop", "ready"],
      [broken, "broken", "failed"],
    ]) {
      const repo = await call(app, "POST", `/api/v1/orgs/${org.slug}/repositories`, { as: owner, body: { url, name } });
      assert.equal(repo.status, 201, repo.text);
      assert.equal((await waitForRepository(app, owner, org.slug, repo.json.id)).status, status);
    }
    const key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key;
    client = new Client({ name: "ctxpipe-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp?orgSlug=${org.slug}`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }),
    );
  });
  after(async () => {
    await client?.close();
    await app?.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  const search = async (query: string) => {
    const res = (await client.callTool({ name: "search_code", arguments: { query } })) as { content: { type: string; text: string }[] };
    return res.content.map((c) => c.text).join("\n");
  };

  it("says nothing about it when the search found something elsewhere", async () => {
    const text = await search("applyDiscount");
    assert.match(text, /shop@[0-9a-f]+:src\/cart\.ts/);
    assert.doesNotMatch(text, /broken/);
  });

  it("names it when nothing was found", async () => {
    assert.match(await search("nothingMatchesThisAnywhere"), /Note: broken \(failed, not searchable yet\)/);
  });

  it("leaves it out of a search scoped to another repository", async () => {
    assert.doesNotMatch(await search("repo:shop applyDiscount"), /broken/);
  });
});
