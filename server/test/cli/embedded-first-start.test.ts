/**
 * A first `ctxpipe serve` killed while initdb runs (a container stopped on its first boot,
 * everything in it SIGKILLed) must not leave a data directory that never starts again: the
 * next start clears the half-made cluster and comes up. The killed start is a child process
 * (its process group is SIGKILLed); the next one runs in this process (runCli).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type RunningCommand, startCtxpipe } from "./admin-cli-helpers.js";

const BIN = fileURLToPath(new URL("../../bin/ctxpipe.js", import.meta.url));

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `ctxpipe serve` in its own process group, so that the test can kill it with its initdb. */
function serve(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
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

async function waitForOk(url: string, proc: RunningCommand, timeoutMs = 150_000): Promise<void> {
  let ended = false;
  void proc.exited.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ended) throw new Error(`ctxpipe exited early:\n${proc.output()}`);
    const body = (await fetch(`${url}/.status`)
      .then((r) => r.json())
      .catch(() => undefined)) as { status?: string } | undefined;
    if (body?.status === "ok") return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`/.status never became ok:\n${proc.output()}`);
}

describe("ctxpipe serve's first start, killed during initdb", () => {
  it("comes up on the next start", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-killed-"));
    // As root the embedded Postgres runs as the `postgres` user, which must reach the directory.
    await fs.chmod(dataDir, 0o755);
    const env = { CTXPIPE_DATA_DIR: dataDir, PORT: String(await freePort()), HOST: "127.0.0.1" };
    try {
      const first = serve(env);
      // initdb has started once a cluster directory (in place, or a temporary one) has its PG_VERSION.
      const started = async () => {
        for (const name of await fs.readdir(dataDir)) {
          if (name.startsWith("postgres") && !name.endsWith(".owner") && (await fs.stat(path.join(dataDir, name, "PG_VERSION")).catch(() => undefined)))
            return true;
        }
        return false;
      };
      // Bounded generously: a loaded machine takes long to start a child process.
      for (const deadline = Date.now() + 150_000; Date.now() < deadline && !(await started()); ) await new Promise((r) => setTimeout(r, 5));
      assert.ok(await started(), first.output());
      process.kill(-first.child.pid!, "SIGKILL");
      await first.exited;
      assert.doesNotMatch(first.output(), /embedded Postgres started/, "killed during initdb");

      const second = startCtxpipe(["serve"], { ...env, AUTH_SECRET: "" });
      try {
        await waitForOk(`http://127.0.0.1:${env.PORT}`, second);
        assert.deepEqual(
          (await fs.readdir(dataDir)).filter((n) => n.startsWith("postgres.initdb-")),
          [],
          "no temporary cluster is left",
        );
      } finally {
        await second.stop();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
