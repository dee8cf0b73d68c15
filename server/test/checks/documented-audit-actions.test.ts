/**
 * The audit log's actions in docs/operations.md are exactly those the code records: every
 * `action: "…"` passed to recordAudit (or the audit service itself) appears in the table, and
 * the table names nothing the code never writes.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Actions written in the source: the quoted `area.verb` names on lines that set an action. */
async function recordedActions(): Promise<Set<string>> {
  const found = new Set<string>();
  const src = path.join(ROOT, "server", "src");
  for (const entry of await fs.readdir(src, { recursive: true })) {
    if (!entry.endsWith(".ts") || entry.endsWith(".test.ts")) continue;
    for (const line of (await fs.readFile(path.join(src, entry), "utf8")).split("\n")) {
      if (!/\baction\b/.test(line)) continue;
      for (const m of line.matchAll(/"([a-z_]+\.[a-z_]+)"/g)) found.add(m[1]!);
    }
  }
  return found;
}

/** Actions named in the audit table of docs/operations.md (backticked, first column). */
async function documentedActions(): Promise<Set<string>> {
  const doc = await fs.readFile(path.join(ROOT, "docs", "operations.md"), "utf8");
  const table = doc.slice(doc.indexOf("| Action | When |"));
  const rows = table.split("\n").slice(2);
  const found = new Set<string>();
  for (const row of rows) {
    if (!row.trim().startsWith("|")) break;
    for (const m of row.split("|")[1]!.matchAll(/`([a-z_]+\.[a-z_]+)`/g)) found.add(m[1]!);
  }
  return found;
}

describe("documented audit actions", () => {
  it("lists exactly the actions the code records", async () => {
    const recorded = await recordedActions();
    const documented = await documentedActions();
    assert.ok(recorded.size >= 15, `found ${recorded.size} recorded actions`);
    assert.deepEqual([...recorded].filter((a) => !documented.has(a)).sort(), [], "recorded but not documented");
    assert.deepEqual([...documented].filter((a) => !recorded.has(a)).sort(), [], "documented but never recorded");
  });
});
