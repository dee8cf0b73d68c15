/**
 * The agent configuration formats of `@ctxpipe/connect` (cli/src/agent-configs.ts, ADR 010):
 * for each agent, an existing configuration keeps its other servers and settings while
 * ctxpipe's entry is added, replaced or left unchanged; a new file is created; the API key is
 * only ever referenced through CTXPIPE_API_KEY; a file that cannot be parsed is refused, not
 * overwritten; and the files live where each agent reads them.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { parse as parseToml } from "smol-toml";
import { AGENTS, configFile, planConfig, type ServerEntry } from "../../../cli/src/agent-configs.js";

const URL_ = "https://ctxpipe.example.com/mcp?orgSlug=acme";
const oauth: ServerEntry = { name: "ctxpipe", url: URL_, auth: "oauth" };
const keyed: ServerEntry = { name: "ctxpipe", url: URL_, auth: "api-key" };
const dirs = { project: "/work/repo", home: "/home/dev", platform: "linux" as const };

/** An existing configuration with another server and a setting of the agent's own, per format. */
const EXISTING: Record<string, string> = {
  cursor: JSON.stringify({ mcpServers: { other: { url: "https://other.example.com/mcp" } } }),
  "claude-code": JSON.stringify({ numStartups: 12, mcpServers: { other: { type: "stdio", command: "other-mcp" } } }),
  vscode: JSON.stringify({ inputs: [], servers: { other: { type: "http", url: "https://other.example.com/mcp" } } }),
  opencode: JSON.stringify({ $schema: "https://opencode.ai/config.json", theme: "dark", mcp: { other: { type: "local", command: ["other-mcp"] } } }),
  codex: 'model = "o4-mini"\n\n[mcp_servers.other]\ncommand = "other-mcp"\n',
};

const parsed = (agent: string, text: string) => (agent === "codex" ? parseToml(text) : JSON.parse(text)) as Record<string, any>;
const serversOf = (agent: string, doc: Record<string, any>) =>
  doc[{ cursor: "mcpServers", "claude-code": "mcpServers", vscode: "servers", opencode: "mcp", codex: "mcp_servers" }[agent]!];

describe("agent configuration formats", () => {
  for (const agent of AGENTS) {
    it(`${agent}: merges into an existing file, keeping everything else`, () => {
      const file = configFile(agent, "user", dirs)!;
      const plan = planConfig(agent, file, EXISTING[agent], keyed);
      assert.equal(plan.action, "add");
      const doc = parsed(agent, plan.text);
      const before = parsed(agent, EXISTING[agent]!);
      assert.deepEqual(serversOf(agent, doc).other, serversOf(agent, before).other);
      for (const [k, v] of Object.entries(before))
        if (k !== "mcpServers" && k !== "servers" && k !== "mcp" && k !== "mcp_servers") assert.deepEqual(doc[k], v, k);
      const entry = serversOf(agent, doc).ctxpipe;
      assert.equal(entry.url, URL_);
      // The key is referenced, never written.
      assert.match(JSON.stringify(entry), /CTXPIPE_API_KEY/);
      assert.doesNotMatch(plan.text, /ctx_[A-Za-z0-9]/);
      // Written again: nothing to do; with another URL: replaced.
      assert.equal(planConfig(agent, file, plan.text, keyed).action, "unchanged");
      const moved = planConfig(agent, file, plan.text, { ...keyed, url: "https://new.example.com/mcp?orgSlug=acme" });
      assert.equal(moved.action, "replace");
      assert.equal(serversOf(agent, parsed(agent, moved.text)).ctxpipe.url, "https://new.example.com/mcp?orgSlug=acme");
      assert.ok(serversOf(agent, parsed(agent, moved.text)).other);
    });
  }

  it("writes each agent's shape for OAuth, creating the file", () => {
    const shapes = Object.fromEntries(
      AGENTS.map((agent) => {
        const plan = planConfig(agent, configFile(agent, "user", dirs)!, undefined, oauth);
        assert.equal(plan.action, "create");
        // Plain objects (TOML gives objects without a prototype).
        return [agent, JSON.parse(JSON.stringify(serversOf(agent, parsed(agent, plan.text)).ctxpipe))];
      }),
    );
    assert.deepEqual(shapes, {
      cursor: { url: URL_ },
      "claude-code": { type: "http", url: URL_ },
      vscode: { type: "http", url: URL_ },
      codex: { url: URL_ },
      opencode: { type: "remote", url: URL_, enabled: true },
    });
    assert.equal(JSON.parse(planConfig("opencode", "opencode.json", undefined, oauth).text).$schema, "https://opencode.ai/config.json");
  });

  it("references the key in each format's own syntax", () => {
    const auth = (agent: (typeof AGENTS)[number]) => serversOf(agent, parsed(agent, planConfig(agent, "f", undefined, keyed).text)).ctxpipe;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the agent's own ${…} syntax, written literally
    assert.equal(auth("cursor").headers.Authorization, "Bearer ${env:CTXPIPE_API_KEY}");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the agent's own ${…} syntax, written literally
    assert.equal(auth("vscode").headers.Authorization, "Bearer ${env:CTXPIPE_API_KEY}");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the agent's own ${…} syntax, written literally
    assert.equal(auth("claude-code").headers.Authorization, "Bearer ${CTXPIPE_API_KEY}");
    assert.equal(auth("opencode").headers.Authorization, "Bearer {env:CTXPIPE_API_KEY}");
    assert.equal(auth("codex").bearer_token_env_var, "CTXPIPE_API_KEY");
  });

  it("refuses a file it cannot parse instead of overwriting it", () => {
    assert.throws(
      () => planConfig("vscode", ".vscode/mcp.json", '{\n  // my servers\n  "servers": {}\n}', oauth),
      /\.vscode\/mcp\.json is not plain JSON.*add the "ctxpipe" server by hand/,
    );
    assert.throws(
      () => planConfig("codex", "config.toml", "[mcp_servers.ctxpipe\nurl = 1", oauth),
      /config\.toml is not valid TOML.*\[mcp_servers\.ctxpipe\] by hand/,
    );
    assert.throws(() => planConfig("cursor", "mcp.json", "[]", oauth), /not plain JSON/);
  });

  it("edits Codex's TOML in place: comments and the other tables stay, a stale entry is replaced whole", () => {
    const before = [
      "# my Codex settings",
      'model = "o4-mini" # fast',
      "",
      "[mcp_servers.ctxpipe]",
      'url = "https://old.example.com/mcp?orgSlug=acme"',
      "",
      "[mcp_servers.ctxpipe.env]",
      'A = "1"',
      "",
      "# docs server",
      "[mcp_servers.docs]",
      'command = "docs-mcp"',
      "",
    ].join("\n");
    const plan = planConfig("codex", "config.toml", before, oauth);
    assert.equal(plan.action, "replace");
    assert.ok(plan.text.startsWith('# my Codex settings\nmodel = "o4-mini" # fast\n'));
    assert.match(plan.text, /# docs server\n\[mcp_servers\.docs\]\ncommand = "docs-mcp"/);
    assert.ok(!plan.text.includes("old.example.com") && !plan.text.includes("[mcp_servers.ctxpipe.env]"));
    assert.deepEqual(JSON.parse(JSON.stringify(parseToml(plan.text).mcp_servers)), { ctxpipe: { url: URL_ }, docs: { command: "docs-mcp" } });
    assert.equal(planConfig("codex", "config.toml", plan.text, oauth).action, "unchanged");
    // mcp_servers as an inline table cannot take a [mcp_servers.ctxpipe] header: refused, not broken.
    assert.throws(() => planConfig("codex", "config.toml", 'mcp_servers = { docs = { command = "d" } }\n', oauth), /cannot edit in place.*by hand/);
  });

  it("knows where each agent reads its configuration", () => {
    assert.equal(configFile("cursor", "project", dirs), path.join("/work/repo", ".cursor", "mcp.json"));
    assert.equal(configFile("claude-code", "project", dirs), path.join("/work/repo", ".mcp.json"));
    assert.equal(configFile("claude-code", "user", dirs), path.join("/home/dev", ".claude.json"));
    assert.equal(configFile("vscode", "project", dirs), path.join("/work/repo", ".vscode", "mcp.json"));
    assert.equal(
      configFile("vscode", "user", { ...dirs, platform: "darwin" }),
      path.join("/home/dev", "Library", "Application Support", "Code", "User", "mcp.json"),
    );
    assert.equal(configFile("codex", "project", dirs), undefined);
    assert.equal(configFile("codex", "user", dirs), path.join("/home/dev", ".codex", "config.toml"));
    assert.equal(configFile("opencode", "user", dirs), path.join("/home/dev", ".config", "opencode", "opencode.json"));
  });
});
