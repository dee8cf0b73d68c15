/**
 * The architecture check: the rules hold on server/src, and the checker finds each kind of
 * violation when one is planted in a small tree.
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
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-arch-"));
    try {
      const files: Record<string, string> = {
        "cli.ts": 'import "./roles/serve.js";\nconst port = process.env.PORT;\n',
        "roles/serve.ts": 'import { createShop } from "../shop/index.js";\n',
        "platform/db.ts": 'import { widget } from "../shop/index.js";\n',
        "platform/config/config.ts": "export const env = process.env;\n",
        "shop/index.ts": 'export { createShop } from "./shop.service.js";\n',
        "shop/shop.service.ts":
          'import { helper } from "../cart/cart.service.js";\nimport type { Platform } from "../roles/serve.js";\nexport const secret = process.env.SECRET;\n',
        "shop/shop.route.ts": 'import { withTenant } from "../platform/db.js";\nexport const r = () => withTenant(db, scope, (tx) => tx.query("select 1"));\n',
        "cart/cart.service.ts": 'import type { AppEnv } from "../platform/http/app-env.js";\nexport const helper = 1;\n',
        "platform/http/app-env.ts": "export type AppEnv = {};\n",
      };
      for (const [file, text] of Object.entries(files)) {
        await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
        await fs.writeFile(path.join(root, file), text);
      }
      const found = checkArchitecture(root)
        .map((v) => `${v.rule} ${v.file}`)
        .sort();
      assert.deepEqual(found, [
        "capability-door shop/shop.service.ts",
        "domain-imports-http cart/cart.service.ts",
        "imports-roles shop/shop.service.ts",
        "missing-door cart",
        "platform-imports-capability platform/db.ts",
        "process-env shop/shop.service.ts",
        "sql-in-transport shop/shop.route.ts",
      ]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
