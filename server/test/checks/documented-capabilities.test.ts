/**
 * Every capability folder under server/src is in the layouts people read first: AGENTS.md's
 * "Layout" (the `server/src/<capability>/` line) and docs/architecture.md's "Source layout"
 * (its tree, and the "Capability folders (…)" sentence below it). A new capability without
 * its line fails here. The folders that are not capabilities are listed with the reason.
 * A broken copy of each document is refused, so the check can fail.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Folders of server/src that are not capabilities, and why. */
const NOT_CAPABILITIES: Record<string, string> = {
  platform: "shared infrastructure (config, db, http, errors, logging); imports no capability",
  roles: "entry points (serve, server, worker, codesearch): wiring only",
  jobs: "the pg-boss wrapper every capability stands on, like platform",
  commands: "the maintenance CLIs (admin, secrets, backup, doctor): wiring, like roles",
};

/** The capability folders: every folder of server/src but NOT_CAPABILITIES. */
async function capabilityFolders(): Promise<string[]> {
  const entries = await fs.readdir(path.join(ROOT, "server", "src"), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !(e.name in NOT_CAPABILITIES))
    .map((e) => e.name)
    .sort();
}

/** The text of a markdown section, from its heading to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start === -1) return "";
  const level = heading.indexOf(" ");
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(" ") <= level);
  return lines.slice(start + 1, end === -1 ? undefined : end).join("\n");
}

/** Capabilities AGENTS.md's Layout does not name as `name/`. */
function missingFromAgents(agents: string, capabilities: string[]): string[] {
  const layout = section(agents, "## Layout");
  return capabilities.filter((c) => !layout.includes(`\`${c}/\``));
}

/**
 * Capabilities docs/architecture.md's Source layout leaves out: of its tree (a line `    name/`
 * under `src/`), or of the sentence "Capability folders (`a/`, `b/`, …)".
 */
function missingFromArchitecture(architecture: string, capabilities: string[]): { tree: string[]; sentence: string[] } {
  const layout = section(architecture, "## Source layout");
  const tree = layout.match(/```\n([\s\S]*?)```/)?.[1] ?? "";
  const sentence = layout.match(/Capability folders \(([^)]*)\)/)?.[1] ?? "";
  return {
    tree: capabilities.filter((c) => !new RegExp(`^    ${c}/`, "m").test(tree)),
    sentence: capabilities.filter((c) => !sentence.includes(`\`${c}/\``)),
  };
}

describe("documented capabilities", () => {
  it("names every capability folder in AGENTS.md and docs/architecture.md", async () => {
    const capabilities = await capabilityFolders();
    assert.ok(capabilities.length >= 14, `found ${capabilities.join(", ")}`);
    for (const name of Object.keys(NOT_CAPABILITIES)) {
      assert.ok((await fs.stat(path.join(ROOT, "server", "src", name))).isDirectory(), `${name} (excluded) still exists`);
    }
    const agents = await fs.readFile(path.join(ROOT, "AGENTS.md"), "utf8");
    const architecture = await fs.readFile(path.join(ROOT, "docs", "architecture.md"), "utf8");
    assert.deepEqual(missingFromAgents(agents, capabilities), [], "AGENTS.md ## Layout: server/src/<capability>/ line");
    assert.deepEqual(missingFromArchitecture(architecture, capabilities), { tree: [], sentence: [] }, "docs/architecture.md ## Source layout");

    // A capability dropped from each document is found.
    assert.deepEqual(missingFromAgents(agents.replace("`search/`", "`find/`"), capabilities), ["search"]);
    const broken = architecture.replace(/^ {4}search\//m, "    find/").replace(/`search\/`(?=[^)]*\))/, "`find/`");
    assert.deepEqual(missingFromArchitecture(broken, capabilities), { tree: ["search"], sentence: ["search"] });
  });
});
