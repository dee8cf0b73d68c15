/**
 * server/schema.sql is the whole schema of a freshly migrated database, in one file for
 * readers. This fails when a migration changes the schema and the file was not regenerated
 * (`npm run schema` writes it).
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { dumpSchema } from "../harness/schema-dump.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";

const SCHEMA_FILE = fileURLToPath(new URL("../../schema.sql", import.meta.url));

describe("server/schema.sql", () => {
  let db: TestDatabase;
  let client: pg.Client;
  before(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await db?.drop();
  });

  it("matches the schema of a freshly migrated database", async () => {
    const dumped = await dumpSchema(client);
    if (process.env.TEST_UPDATE_SCHEMA === "1") await fs.writeFile(SCHEMA_FILE, dumped);
    const committed = await fs.readFile(SCHEMA_FILE, "utf8").catch(() => "");
    assert.ok(committed === dumped, "server/schema.sql is out of date: run `npm run schema` and commit the file");
  });
});
