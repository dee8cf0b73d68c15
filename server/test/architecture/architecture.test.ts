/**
 * The architecture check: the rules hold on server/src, and the checker finds each kind of
 * violation when one is planted in a small tree (with its own migrations and table owners),
 * and passes over the look-alikes beside them (an upsert, a row lock, SQL in a comment, a
 * type-only database import in a job, a write covered by an exception).
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { checkArchitecture } from "./architecture-rules.js";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

describe("architecture", () => {
  it("holds on server/src", () => {
    const violations = checkArchitecture(SRC);
    assert.deepEqual(
      violations.map((v) => `${v.rule}: ${v.file}: ${v.detail}`),
      [],
    );
  });

  it("finds each kind of planted violation", async () => {
    const tree = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-arch-"));
    const root = path.join(tree, "src");
    try {
      const files: Record<string, string> = {
        "cli.ts": 'import "./roles/serve.js";\nconst port = process.env.PORT;\n',
        "roles/serve.ts": 'import { createShop } from "../shop/index.js";\n',
        "platform/db.ts": 'import { widget } from "../shop/index.js";\n',
        "platform/config/config.ts": "export const env = process.env;\n",
        "shop/index.ts": 'export { createShop } from "./shop.service.js";\n',
        "shop/shop.service.ts":
          'import { helper } from "../cart/cart.service.js";\nimport type { Platform } from "../roles/serve.js";\nexport const secret = process.env.SECRET;\n' +
          // Its own table, an upsert and a row lock: not a write to another's table.
          "export const own = (tx) => tx.query(`insert into shops (id) values ($1) on conflict (id) do update set id = excluded.id`);\n" +
          'export const lock = (tx) => tx.query("select id from carts where id = $1 for update");\n' +
          // Another capability's table, in a template with a substitution: a write across ownership.
          "export const steal = (tx, t) => tx.query(`update carts set total = $" +
          "{t} where id = $1`);\n",
        "shop/shop.route.ts": 'import { withTenant } from "../platform/db.js";\nexport const r = () => withTenant(db, scope, (tx) => tx.query("select 1"));\n',
        // A route and a tool declared in files whose names do not say so.
        "shop/shop-api.ts":
          'export const register = (router) => router.add({ path: "/shops", handler: (c) => withTenant(db, scope, (tx) => tx.query("select id from shops")) });\n',
        "shop/tools/find-shop.ts": 'export const tool = { name: "find_shop", inputSchema: {}, run: () => db.app.query("select id from shops") };\n',
        // A job with its own SQL, and its database import (the type-only import is fine).
        "shop/restock.job.ts":
          'import { defineJob } from "../jobs/job-queue.js";\nimport type { Database } from "../platform/db/database.js";\nimport { withTenant } from "../platform/db/tenant.js";\n' +
          'export const restock = (db: Database) => defineJob({ name: "shop.restock", handler: async () => withTenant(db, {}, (tx) => tx.query("delete from shops where id = $1")) });\n',
        // A job defined outside a *.job.ts file, calling services only; and a clean job file.
        "shop/shop-sync.ts":
          'import { defineJob } from "../jobs/job-queue.js";\nimport { helper } from "./shop.service.js";\nexport const sync = defineJob({ name: "shop.sync", handler: helper });\n',
        "shop/clean.job.ts":
          'import { defineJob } from "../jobs/job-queue.js";\nimport type { Database } from "../platform/db/database.js";\nimport { own } from "./shop.service.js";\n' +
          '// A comment that says delete from shops is not SQL.\nexport const clean = (db: Database) => defineJob({ name: "shop.clean", handler: async () => own(db) });\n',
        "jobs/job-queue.ts": "export function defineJob<T>(definition: T): T {\n  return definition;\n}\n",
        // Imports shop back (a cycle), and writes shops under an exception.
        "cart/cart.service.ts":
          'import type { AppEnv } from "../platform/http/app-env.js";\nimport type { Shop } from "../shop/index.js";\nexport const helper = 1;\n' +
          'export const fix = (tx) => tx.query("update shops set open = false");\n',
        "platform/http/app-env.ts": "export type AppEnv = {};\n",
        "../migrations/001-create-tables.sql":
          'create table shops (id text primary key);\ncreate table "carts" (id text primary key);\ncreate table orphans (id text);\n-- create table ghosts (id text);\n',
        "platform/db/database.ts": "export type Database = {};\n",
        "mcp/index.ts": 'import type { Database } from "../platform/db/database.js";\nexport type { Database };\n',
        "mcp/usage.service.ts": 'import type { Database } from "../platform/db/database.js";\nexport type Usage = Database;\n',
        "mcp/tools/search.tool.ts": 'import type { Database } from "../../platform/db/database.js";\nexport const run = (db: Database) => db;\n',
      };
      for (const [file, text] of Object.entries(files)) {
        await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
        await fs.writeFile(path.join(root, file), text);
      }
      const found = checkArchitecture(root, {
        tableOwners: { shops: "shop", carts: "cart", ghosts: "cart", tills: "till" },
        writeExceptions: [
          { file: "cart/cart.service.ts", table: "shops", reason: "planted: allowed" },
          { file: "cart/old.service.ts", table: "shops", reason: "planted: no longer needed" },
        ],
      })
        .map((v) => `${v.rule} ${v.file}${v.rule === "table-owner" || v.rule === "capability-cycle" ? `: ${v.detail}` : ""}`)
        .sort();
      assert.deepEqual(found, [
        "capability-cycle cart, shop: cart → shop → cart (cart/cart.service.ts imports shop/; shop/shop.service.ts imports cart/)",
        "capability-door shop/shop.service.ts",
        "domain-imports-http cart/cart.service.ts",
        "imports-roles shop/shop.service.ts",
        "job-outside-job-file shop/shop-sync.ts",
        "mcp-imports-db mcp/tools/search.tool.ts",
        "missing-door cart",
        "platform-imports-capability platform/db.ts",
        "process-env shop/shop.service.ts",
        "sql-in-job shop/restock.job.ts",
        "sql-in-transport shop/shop-api.ts",
        "sql-in-transport shop/shop.route.ts",
        "sql-in-transport shop/tools/find-shop.ts",
        "table-owner 001-create-tables.sql: creates orphans, which has no owner in table-owners.ts",
        "table-owner shop/shop.service.ts: writes carts, which cart/ owns: call its services",
        "table-owner table-owners.ts: ghosts is not created by any migration",
        "table-owner table-owners.ts: the exception for cart/old.service.ts writing shops is not needed any more",
        "table-owner table-owners.ts: tills is not created by any migration",
        "table-owner table-owners.ts: tills's owner till/ is not a folder under src",
      ]);
    } finally {
      await fs.rm(tree, { recursive: true, force: true });
    }
  });
});
