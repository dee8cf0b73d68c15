/**
 * What the `ctxpipe backup` / `ctxpipe restore` test files share: a source instance with an
 * organisation, an indexed repository and an API key (and the search it answers), the CLI
 * environment for a database, and rewriting an archive's entries.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { gunzipSync, gzipSync } from "node:zlib";
import { extract as tarExtract, pack as tarPack } from "tar-stream";
import { createTestRepo } from "../harness/git-http-server.js";
import { call, createOrgAs, signUp } from "../harness/http-client.js";
import { waitForRepository } from "../harness/repositories.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";
import type { TestDatabase } from "../harness/test-database.js";

/** The encryption key every DATABASE_URL instance of these tests shares (the harness's too). */
export const ENCRYPTION_KEY = "0f".repeat(32);

/** A source instance to back up, with what a restored copy must answer the same way. */
export interface BackupSource {
  /** Temporary directory for archives and data directories (mode 0755). */
  root: string;
  app: TestApp;
  slug: string;
  /** An API key of the organisation. */
  key: string;
  /** The search results of the source, as `search` gives them. */
  searchBefore: unknown;
  /** The CLI environment for `db` (DATABASE_URL, the shared key, the data dir `root`). */
  env: (db: TestDatabase) => Record<string, string>;
  /** The organisation's search for applyDiscount, as comparable rows. */
  search: (app: TestApp) => Promise<unknown>;
  /** Stops the source and removes `root`. */
  stop: () => Promise<void>;
}

/** Makes a temporary directory the embedded Postgres (run as `postgres` under root) can reach. */
export async function makeRoot(prefix = "ctxpipe-backup-"): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(root, 0o755);
  return root;
}

/** Starts a source instance: an organisation, an indexed local repository "shop" and an API key. */
export async function startBackupSource(): Promise<BackupSource> {
  const root = await makeRoot();
  const app = await startTestApp({ env: { CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" } });
  const owner = await signUp(app);
  const slug = (await createOrgAs(app, owner)).slug;
  const dir = await createTestRepo(root, "shop", {
    "src/discount.ts": "export function applyDiscount(total: number) {\n  return total * 0.9;\n}\n",
    "src/cart.ts": "import { applyDiscount } from './discount';\nexport const price = applyDiscount(100);\n",
  });
  const added = await call(app, "POST", `/api/v1/orgs/${slug}/repositories`, { as: owner, body: { url: dir, name: "shop" } });
  await waitForRepository(app, owner, slug, added.json.id);
  const key = (await call(app, "POST", `/api/v1/orgs/${slug}/api-keys`, { as: owner, body: { name: "agent" } })).json.key as string;
  const search = async (on: TestApp) => {
    const res = await call(on, "GET", `/api/v1/orgs/${slug}/search?q=applyDiscount`, { as: { apiKey: key } });
    assert.equal(res.status, 200, res.text);
    return res.json.results.map((r: any) => [r.repository.name, r.commit, r.path, r.lines.map((l: any) => [l.line, l.text])]);
  };
  const searchBefore = await search(app);
  assert.ok((searchBefore as unknown[]).length > 0);
  return {
    root,
    app,
    slug,
    key,
    searchBefore,
    env: (db) => ({ DATABASE_URL: db.url, CONNECTION_SECRETS_ENCRYPTION_KEY: ENCRYPTION_KEY, CTXPIPE_DATA_DIR: root }),
    search,
    stop: async () => {
      await app.stop();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** Rewrites an unencrypted archive: `edit` changes its entries (name → bytes), then every entry is packed again. */
export async function rewriteArchive(from: string, to: string, edit: (entries: Map<string, Buffer>) => void): Promise<void> {
  const entries = new Map<string, Buffer>();
  const extract = tarExtract();
  Readable.from(gunzipSync(await fs.readFile(from))).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.set(entry.header.name, Buffer.concat(chunks));
  }
  edit(entries);
  const pack = tarPack();
  for (const [name, body] of entries) pack.entry({ name, size: body.length, mode: 0o600 }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  await fs.writeFile(to, gzipSync(Buffer.concat(chunks)));
}
