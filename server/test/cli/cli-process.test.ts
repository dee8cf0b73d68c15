/**
 * The `ctxpipe` process itself (bin/ctxpipe.js, and cli.ts around runCli) in child processes;
 * every other CLI test runs runCli in process. `--version` exits 0 with the version alone; a
 * failing command exits 1 with one `ctxpipe: ...` line on stderr and nothing on stdout;
 * SIGTERM stops a role gracefully, with exit 0.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { VERSION } from "../../src/platform/version.js";
import { createTestDatabase, type TestDatabase } from "../harness/test-database.js";
import { AUTH_SECRET, assertOneLineError, ctxpipeProcess } from "./admin-cli-helpers.js";

const BIN = fileURLToPath(new URL("../../bin/ctxpipe.js", import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe("the ctxpipe process", () => {
  let cwd: string;
  let db: TestDatabase;
  before(async () => {
    cwd = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-process-")));
    db = await createTestDatabase();
  });
  after(async () => {
    await fs.rm(cwd, { recursive: true, force: true });
    await db?.drop();
  });

  it("prints the version with exit 0, and fails with exit 1 and one line on stderr", async () => {
    const [version, failed] = await Promise.all([
      ctxpipeProcess(["--version"], {}),
      // No database here: the command fails before it starts anything.
      ctxpipeProcess(["admin", "list-users"], { AUTH_SECRET: "" }, "", cwd),
    ]);
    assert.deepEqual(version, { code: 0, stdout: `${VERSION}\n`, stderr: "" });
    assert.match(assertOneLineError(failed), /CTXPIPE_DATA_DIR/);
  });

  it("stops a role gracefully on SIGTERM, with exit 0", async () => {
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DATABASE_URL: db.url,
      AUTH_BASE_URL: `http://127.0.0.1:${port}`,
      AUTH_SECRET,
      PORT: String(port),
      HOST: "127.0.0.1",
      CTXPIPE_DATA_DIR: cwd,
      LOG_LEVEL: "info",
    };
    const child = spawn(process.execPath, [BIN, "server", "--log-format", "json"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const ready = new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('"ctxpipe is ready"')) resolve();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const first = await Promise.race([ready.then(() => "ready" as const), exited.then(() => "exited" as const)]);
    assert.equal(first, "ready", out);
    child.kill("SIGTERM");
    assert.equal(await exited, 0, out);
    assert.match(out, /"signal":"SIGTERM".*"shutting down"/);
    assert.match(out, /"shutdown complete"/);
  });
});
