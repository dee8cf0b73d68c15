/**
 * `ctxpipe-connect` (cli/, ADR 010) run as a developer runs it, in a child process, against a
 * real server: `init` through the OAuth device flow (the test approves the code as the user
 * would in the browser) and with an API key, into every agent's file with existing
 * configurations merged; `--dry-run`, `--json`, the errors of a script missing a flag; `doctor`
 * passing and failing; at project scope, a configuration linked out of the project refused.
 * Also that the package stays slim: it imports nothing but Node and its
 * one dependency.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";

const CLI_DIR = fileURLToPath(new URL("../../../cli/", import.meta.url));
const MAIN = path.join(CLI_DIR, "src", "main.ts");
/** The TypeScript hooks by absolute URL: the CLI runs in directories without node_modules. */
const TS_HOOKS = new URL("../../bin/ts-hooks.js", import.meta.url).href;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts the CLI from its TypeScript source, with HOME and the working directory given. */
function start(args: string[], dirs: { home: string; project: string }, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ["--import", TS_HOOKS, MAIN, ...args], {
    cwd: dirs.project,
    env: { PATH: process.env.PATH ?? "", HOME: dirs.home, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function finished(child: ChildProcess): Promise<Run> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

function run(args: string[], dirs: { home: string; project: string }, env: Record<string, string> = {}): Promise<Run> {
  return finished(start(args, dirs, env));
}

/** An address where nothing listens. */
async function closedOrigin(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("ctxpipe-connect", () => {
  let app: TestApp;
  let user: TestUser;
  let first: string;
  let second: string;
  let root: string;
  let key: string;
  const dirs = async (name: string) => {
    const home = path.join(root, name, "home");
    const project = path.join(root, name, "project");
    await fs.mkdir(home, { recursive: true });
    await fs.mkdir(project, { recursive: true });
    return { home, project };
  };

  before(async () => {
    app = await startOAuthTestApp();
    user = await signUp(app);
    first = (await createOrgAs(app, user, "connect-one")).slug;
    second = (await createOrgAs(app, user, "connect-two")).slug;
    key = (await call(app, "POST", `/api/v1/orgs/${second}/api-keys`, { as: user, body: { name: "laptop" } })).json.key;
    root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-connect-"));
  });
  after(async () => {
    await app?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("signs in with the device flow, picks the organisation and merges into every agent's existing file", async () => {
    const d = await dirs("device");
    // What the developer already has: other servers and settings that must survive.
    await fs.mkdir(path.join(d.project, ".cursor"));
    await fs.writeFile(path.join(d.project, ".cursor", "mcp.json"), JSON.stringify({ mcpServers: { github: { url: "https://api.githubcopilot.com/mcp/" } } }));
    await fs.writeFile(path.join(d.project, ".mcp.json"), JSON.stringify({ mcpServers: { local: { command: "npx", args: ["some-server"] } } }));
    await fs.mkdir(path.join(d.project, ".vscode"));
    await fs.writeFile(path.join(d.project, ".vscode", "mcp.json"), JSON.stringify({ inputs: [], servers: { other: { type: "stdio", command: "x" } } }));
    await fs.writeFile(path.join(d.project, "opencode.json"), JSON.stringify({ $schema: "https://opencode.ai/config.json", theme: "dark" }));
    await fs.mkdir(path.join(d.home, ".codex"));
    await fs.writeFile(path.join(d.home, ".codex", "config.toml"), 'model = "gpt-5"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n');

    const child = start(["init", "--url", app.url, "--org", second, "--agents", "all", "--json"], d);
    const result = finished(child);
    // The developer reads the code on stderr and approves it in the browser, signed in.
    const userCode = await new Promise<string>((resolve, reject) => {
      let seen = "";
      child.stderr!.on("data", (chunk) => {
        seen += chunk;
        const match = seen.match(/approve the code ([A-Z0-9-]+)/);
        if (match) resolve(match[1]!);
      });
      child.on("close", () => reject(new Error(`no code shown: ${seen}`)));
    });
    const lookup = await call(app, "GET", `/.auth/device?user_code=${encodeURIComponent(userCode)}`, { as: user, headers: { accept: "application/json" } });
    assert.equal(lookup.status, 200, lookup.text);
    assert.equal((await call(app, "POST", "/.auth/device/approve", { as: user, body: { userCode } })).status, 200);

    const { code, stdout, stderr } = await result;
    assert.equal(code, 0, stderr);
    const json = JSON.parse(stdout);
    const url = `${app.url}/mcp?orgSlug=${second}`;
    assert.equal(json.mcpUrl, url);
    assert.equal(json.auth, "oauth");
    assert.deepEqual(
      json.files.map((f: { agent: string; action: string }) => [f.agent, f.action]),
      [
        ["cursor", "add"],
        ["claude-code", "add"],
        ["vscode", "add"],
        ["codex", "add"],
        ["opencode", "add"],
      ],
    );
    const read = async (...p: string[]) => JSON.parse(await fs.readFile(path.join(...p), "utf8"));
    const cursor = await read(d.project, ".cursor", "mcp.json");
    // Cursor's OAuth does not work (better-auth issue 10946): it gets the API-key entry, and why.
    assert.deepEqual(cursor.mcpServers, {
      github: { url: "https://api.githubcopilot.com/mcp/" },
      ctxpipe: { url, headers: { Authorization: "Bearer $\u007Benv:CTXPIPE_API_KEY}" } },
    });
    assert.deepEqual(
      json.files.map((f: { agent: string; auth: string }) => [f.agent, f.auth]),
      [
        ["cursor", "api-key"],
        ["claude-code", "oauth"],
        ["vscode", "oauth"],
        ["codex", "oauth"],
        ["opencode", "oauth"],
      ],
    );
    assert.ok(
      json.next.some((line: string) => /^Cursor uses an API key: its OAuth callback .* is refused/.test(line)),
      json.next.join("\n"),
    );
    const claude = await read(d.project, ".mcp.json");
    assert.deepEqual(Object.keys(claude.mcpServers), ["local", "ctxpipe"]);
    assert.deepEqual(claude.mcpServers.ctxpipe, { type: "http", url });
    const vscode = await read(d.project, ".vscode", "mcp.json");
    assert.deepEqual(vscode.inputs, []);
    assert.deepEqual(vscode.servers.ctxpipe, { type: "http", url });
    assert.equal(vscode.servers.other.command, "x");
    const opencode = await read(d.project, "opencode.json");
    assert.equal(opencode.theme, "dark");
    assert.deepEqual(opencode.mcp.ctxpipe, { type: "remote", url, enabled: true });
    const codex = JSON.parse(JSON.stringify(parseToml(await fs.readFile(path.join(d.home, ".codex", "config.toml"), "utf8")))) as Record<string, any>;
    assert.equal(codex.model, "gpt-5");
    assert.deepEqual(codex.mcp_servers, { docs: { command: "docs-mcp" }, ctxpipe: { url } });
    assert.ok(!JSON.stringify([claude, vscode, opencode, codex]).includes("Bearer"), "OAuth: the other agents sign in themselves");
  });

  it("takes an API key from CTXPIPE_API_KEY, writes only a reference to it, and a second run changes nothing", async () => {
    const d = await dirs("api-key");
    const args = ["init", "--url", app.url, "--agents", "cursor,claude-code,vscode,codex,opencode", "--scope", "user", "--json"];
    const created = await run(args, d, { CTXPIPE_API_KEY: key });
    assert.equal(created.code, 0, created.stderr);
    const json = JSON.parse(created.stdout);
    assert.equal(json.org, second, "the key's organisation");
    assert.equal(json.auth, "api-key");
    assert.ok(json.files.every((f: { action: string }) => f.action === "create"));
    const files: string[] = json.files.map((f: { file: string }) => f.file);
    assert.deepEqual(files, [
      path.join(d.home, ".cursor", "mcp.json"),
      path.join(d.home, ".claude.json"),
      path.join(d.home, ".config", "Code", "User", "mcp.json"),
      path.join(d.home, ".codex", "config.toml"),
      path.join(d.home, ".config", "opencode", "opencode.json"),
    ]);
    for (const file of files) {
      const text = await fs.readFile(file, "utf8");
      assert.ok(!text.includes(key), `${file} holds no key`);
      assert.match(text, /CTXPIPE_API_KEY/);
      assert.equal((await fs.stat(file)).mode & 0o777, 0o600, `${file} is private`);
    }
    assert.equal(JSON.parse(await fs.readFile(files[0]!, "utf8")).mcpServers.ctxpipe.headers.Authorization, "Bearer $\u007Benv:CTXPIPE_API_KEY}");
    assert.equal((parseToml(await fs.readFile(files[3]!, "utf8")) as any).mcp_servers.ctxpipe.bearer_token_env_var, "CTXPIPE_API_KEY");

    // A configuration kept elsewhere and linked (dotfiles) is written through the link.
    const dotfiles = path.join(d.home, "dotfiles");
    await fs.mkdir(dotfiles);
    await fs.rename(files[0]!, path.join(dotfiles, "cursor-mcp.json"));
    await fs.symlink(path.join(dotfiles, "cursor-mcp.json"), files[0]!);
    await fs.writeFile(path.join(dotfiles, "cursor-mcp.json"), JSON.stringify({ mcpServers: { ctxpipe: { url: "https://stale.example.com/mcp" } } }));
    const relinked = await run(
      args.map((a) => (a === "cursor,claude-code,vscode,codex,opencode" ? "cursor" : a)),
      d,
      { CTXPIPE_API_KEY: key },
    );
    assert.equal(relinked.code, 0, relinked.stderr);
    assert.ok((await fs.lstat(files[0]!)).isSymbolicLink(), "the link stays a link");
    assert.match(await fs.readFile(path.join(dotfiles, "cursor-mcp.json"), "utf8"), /orgSlug=connect-two/);

    const again = await run(args, d, { CTXPIPE_API_KEY: key });
    assert.equal(again.code, 0, again.stderr);
    assert.ok(JSON.parse(again.stdout).files.every((f: { action: string }) => f.action === "unchanged"));

    const wrongOrg = await run([...args, "--org", first], d, { CTXPIPE_API_KEY: key });
    assert.equal(wrongOrg.code, 1);
    assert.match(wrongOrg.stderr, /No organisation "connect-one" for this account; yours: connect-two/);
    const revoked = await run(args, d, { CTXPIPE_API_KEY: "ctx_not-a-real-key" });
    assert.equal(revoked.code, 1);
    assert.match(revoked.stderr, /refused the credential/);
    assert.ok(!revoked.stderr.includes("ctx_not-a-real-key"), "the key is never echoed");
  });

  it("shows with --dry-run what it would write, and writes nothing", async () => {
    const d = await dirs("dry-run");
    const res = await run(["init", "--url", app.url, "--org", first, "--no-sign-in", "--agents", "cursor,codex", "--dry-run"], d);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Would write .*orgSlug=connect-one/);
    assert.match(res.stdout, /cursor\s+create\s+.*\.cursor\/mcp\.json {2}\(API key from \$CTXPIPE_API_KEY: see below\)/);
    assert.match(res.stdout, /"ctxpipe": \{"url":"[^"]+orgSlug=connect-one","headers":\{"Authorization":"Bearer \$\{env:CTXPIPE_API_KEY\}"\}\}/);
    assert.match(res.stdout, /\nCursor uses an API key: its OAuth callback \(cursor:\/\/…\) is refused/);
    assert.match(res.stdout, /codex\s+create\s+.*\.codex\/config\.toml/);
    assert.deepEqual(await fs.readdir(d.project), []);
    assert.deepEqual(await fs.readdir(d.home), []);
  });

  it("fails a script clearly, naming the flag, and leaves every file alone when one cannot be merged", async () => {
    const d = await dirs("errors");
    const nowhere = await closedOrigin();
    const cases: [string[], RegExp][] = [
      [["init", "--org", first, "--agents", "cursor"], /--url is required when not run in a terminal/],
      [["init", "--url", app.url, "--org", first], /--agents is required when not run in a terminal \(cursor, claude-code, vscode, codex, opencode, or all\)/],
      [["init", "--url", app.url, "--agents", "cursor,zed"], /Unknown agent "zed"/],
      [["init", "--url", app.url, "--agents", "cursor", "--scope", "global"], /--scope must be project or user/],
      [["init", "--url", "ftp://x", "--agents", "cursor"], /not an http\(s\) URL/],
      [["init", "--url", "http://ctx.example.com", "--agents", "cursor"], /plain http: use https/],
      [["init", "--url", app.url, "--agents", "cursor", "--no-sign-in"], /--no-sign-in needs --org/],
      [["init", "--url", nowhere, "--org", first, "--agents", "cursor"], /did not answer \(ECONNREFUSED\)/],
      [["deploy"], /unknown command "deploy"/],
    ];
    for (const [args, expected] of cases) {
      const res = await run(args, d);
      assert.notEqual(res.code, 0, args.join(" "));
      assert.match(res.stderr, expected, args.join(" "));
    }
    await fs.mkdir(path.join(d.project, ".cursor"));
    const broken = '{ "mcpServers": { // my servers\n } }';
    await fs.writeFile(path.join(d.project, ".cursor", "mcp.json"), broken);
    const res = await run(["init", "--url", app.url, "--org", first, "--no-sign-in", "--agents", "claude-code,cursor", "--json"], d);
    assert.equal(res.code, 1);
    assert.match(JSON.parse(res.stdout).error, /Nothing was written\. .*\.cursor\/mcp\.json is not plain JSON/);
    assert.equal(await fs.readFile(path.join(d.project, ".cursor", "mcp.json"), "utf8"), broken);
    await assert.rejects(fs.stat(path.join(d.project, ".mcp.json")), "claude-code's file was not written either");
  });

  it("at project scope refuses a configuration linked out of the project, and writes through a link inside it", async () => {
    const d = await dirs("linked");
    // An unrelated JSON file outside the project, and a project whose .cursor/mcp.json points at it.
    const outside = path.join(root, "linked", "unrelated.json");
    const unrelated = `${JSON.stringify({ keep: "me", mcpServers: {} })}\n`;
    await fs.writeFile(outside, unrelated);
    await fs.mkdir(path.join(d.project, ".cursor"));
    await fs.symlink(outside, path.join(d.project, ".cursor", "mcp.json"));
    const args = ["init", "--url", app.url, "--org", first, "--no-sign-in", "--agents", "cursor,claude-code", "--json"];
    const refused = await run(args, d);
    assert.equal(refused.code, 1, refused.stdout);
    const error = JSON.parse(refused.stdout).error as string;
    assert.match(error, /Nothing was written\. .*\.cursor\/mcp\.json leads outside the project, to .*unrelated\.json/);
    assert.match(error, /--scope user/);
    assert.equal(await fs.readFile(outside, "utf8"), unrelated, "the outside file is unchanged");
    await assert.rejects(fs.stat(path.join(d.project, ".mcp.json")), "claude-code's file was not written either");

    // A linked folder out of the project is refused too, even when the file is not there yet.
    const elsewhere = path.join(root, "linked", "elsewhere");
    await fs.mkdir(elsewhere);
    await fs.rm(path.join(d.project, ".cursor"), { recursive: true });
    await fs.symlink(elsewhere, path.join(d.project, ".cursor"));
    const throughFolder = await run(args, d);
    assert.equal(throughFolder.code, 1, throughFolder.stdout);
    assert.match(JSON.parse(throughFolder.stdout).error, /\.cursor\/mcp\.json leads outside the project, to .*elsewhere\/mcp\.json/);
    assert.deepEqual(await fs.readdir(elsewhere), []);

    // A link that stays inside the project (a shared file in the repository) is written through.
    await fs.rm(path.join(d.project, ".cursor"));
    await fs.mkdir(path.join(d.project, ".cursor"));
    await fs.mkdir(path.join(d.project, "config"));
    const shared = path.join(d.project, "config", "mcp.json");
    await fs.writeFile(shared, JSON.stringify({ mcpServers: { github: { url: "https://api.githubcopilot.com/mcp/" } } }));
    await fs.symlink(path.join("..", "config", "mcp.json"), path.join(d.project, ".cursor", "mcp.json"));
    const inside = await run(args, d);
    assert.equal(inside.code, 0, inside.stderr);
    assert.ok((await fs.lstat(path.join(d.project, ".cursor", "mcp.json"))).isSymbolicLink(), "the link stays a link");
    assert.deepEqual(Object.keys(JSON.parse(await fs.readFile(shared, "utf8")).mcpServers), ["github", "ctxpipe"]);
    assert.equal(await fs.readFile(outside, "utf8"), unrelated);
  });

  it("doctor passes against a working instance and a configured agent, and says what to fix otherwise", async () => {
    const d = await dirs("doctor");
    const written = await run(["init", "--url", app.url, "--agents", "cursor", "--json"], d, { CTXPIPE_API_KEY: key });
    assert.equal(written.code, 0, written.stderr);
    const ok = await run(["doctor", "--url", app.url, "--org", second, "--json"], d, { CTXPIPE_API_KEY: key });
    assert.equal(ok.code, 0, ok.stdout);
    const report = JSON.parse(ok.stdout);
    assert.deepEqual(
      report.checks.map((c: { name: string; status: string }) => [c.name, c.status]),
      [
        ["instance", "ok"],
        ["oauth-discovery", "ok"],
        ["mcp-endpoint", "ok"],
        ["api-key", "ok"],
        ["agent-configs", "ok"],
      ],
    );
    assert.match(report.checks[4].detail, /cursor \(project/);

    const badKey = await run(["doctor", "--url", app.url, "--org", first], d, { CTXPIPE_API_KEY: key });
    assert.equal(badKey.code, 1);
    assert.match(badKey.stdout, /FAILED\s+api-key: The key belongs to "connect-two", not "connect-one"/);

    // The MCP resource names a different origin than the one developers use (AUTH_BASE_URL wrong).
    const elsewhere = await run(["doctor", "--url", app.url.replace("127.0.0.1", "localhost")], d);
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.stdout, /FAILED\s+oauth-discovery: The MCP endpoint calls itself http:\/\/127\.0\.0\.1:\d+\/mcp/);
    assert.match(elsewhere.stdout, /→ .*AUTH_BASE_URL/);
    assert.match(elsewhere.stdout, /skipped mcp-endpoint/);
    assert.match(elsewhere.stdout, /FAILED\s+agent-configs: No agent configuration names http:\/\/localhost/);
    // The command that works without a registry release: the CLI from the instance itself.
    const localhost = app.url.replace("127.0.0.1", "localhost");
    assert.ok(elsewhere.stdout.includes(`→ Run: npx --yes ${localhost}/downloads/ctxpipe-connect.tgz init --url ${localhost}`), elsewhere.stdout);

    const down = await run(["doctor", "--url", await closedOrigin(), "--json"], d);
    assert.equal(down.code, 1);
    const downReport = JSON.parse(down.stdout);
    assert.equal(downReport.checks[0].status, "failed");
    assert.match(downReport.checks[0].fix, /public origin/);
  });

  it("is a slim package: Node built-ins and its declared dependencies only", async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(CLI_DIR, "package.json"), "utf8"));
    assert.deepEqual(Object.keys(pkg.dependencies), ["smol-toml"]);
    assert.equal(pkg.bin["ctxpipe-connect"], "dist/main.js");
    for (const file of await fs.readdir(path.join(CLI_DIR, "src"))) {
      const text = await fs.readFile(path.join(CLI_DIR, "src", file), "utf8");
      for (const [, spec] of text.matchAll(/from "([^"]+)"/g)) {
        assert.ok(spec!.startsWith("node:") || spec!.startsWith("./") || spec! in pkg.dependencies, `${file} imports ${spec}`);
      }
    }
    const help = await new Promise<string>((resolve) =>
      execFile(process.execPath, ["--import", TS_HOOKS, MAIN, "--help"], { cwd: CLI_DIR }, (_err, stdout) => resolve(stdout)),
    );
    assert.match(help, /Usage: ctxpipe-connect <command>/);
  });
});
