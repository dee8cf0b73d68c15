/**
 * `ctxpipe doctor`: checks a deployment against the production-readiness checklist
 * (docs/operations.md) and says, for each item, ok / warn / fail and what to do. Read-only:
 * it looks at the configuration, the database, the data directory and the public origin.
 */
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Config, ResolvedConfig } from "../platform/config/config.js";
import type { SecretBox } from "../platform/crypto/secret-box.js";
import type { Database } from "../platform/db/database.js";
import { pendingMigrations, unknownMigrations } from "../platform/db/migrator.js";
import { checkAllSecrets } from "../secrets/index.js";

/** One checked item. */
export interface DoctorCheck {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  /** What to do, when not ok. */
  fix?: string;
}

/** What the checks look at. */
export interface DoctorInput {
  /** The started platform's configuration: the AUTH_SECRET checked is the one the roles use. */
  config: ResolvedConfig;
  db: Database;
  secretBox: SecretBox | undefined;
  /**
   * Where the started platform took its AUTH_SECRET: the environment, the data directory
   * (generated, embedded mode), or nowhere (made up for this command only: the roles would refuse to start).
   */
  authSecretSource: "environment" | "generated" | "ephemeral";
  /** Fetch for the origin check (tests pass their own). */
  fetchImpl?: typeof fetch;
}

/** Backups older than this are a warning. */
const BACKUP_MAX_AGE_DAYS = 7;
/** Less free space than this in the data directory is a warning. */
const MIN_FREE_BYTES = 5 * 1024 ** 3;
const MIN_FREE_RATIO = 0.1;

const ok = (name: string, detail: string): DoctorCheck => ({ name, status: "ok", detail });
const warn = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: "warn", detail, fix });
const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: "fail", detail, fix });

/** Runs every check; a check that throws is reported as failed with its message. */
export async function runDoctor(input: DoctorInput): Promise<DoctorCheck[]> {
  const checks: [string, () => DoctorCheck | Promise<DoctorCheck>][] = [
    ["https origin", () => httpsOrigin(input.config)],
    ["public app url", () => publicAppUrl(input.config)],
    ["allowed origins", () => allowedOrigins(input.config)],
    ["auth secret", () => authSecret(input)],
    ["local repositories", () => localRepositories(input.config)],
    ["stored secrets", () => storedSecrets(input)],
    ["origin reachable", () => originReachable(input)],
    ["worker heartbeat", () => heartbeat(input, "worker")],
    ["codesearch heartbeat", () => heartbeat(input, "codesearch")],
    ["migrations", () => migrations(input.db)],
    ["last backup", () => lastBackup(input.db)],
    ["backup encryption", () => backupEncryption(input)],
    ["data directory disk", () => freeDisk(input.config.dataDir)],
    ["postgres", () => postgres(input)],
  ];
  const out: DoctorCheck[] = [];
  for (const [name, check] of checks) {
    try {
      out.push(await check());
    } catch (err) {
      out.push(fail(name, `the check failed: ${(err as Error).message}`, "see the message; docs/operations.md"));
    }
  }
  return out;
}

function httpsOrigin(config: Config): DoctorCheck {
  const url = new URL(config.baseUrl);
  if (url.protocol === "https:") return ok("https origin", config.baseUrl);
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  return local
    ? warn("https origin", `${config.baseUrl} is plain HTTP (fine on this machine only)`, "serve AUTH_BASE_URL over HTTPS before anyone else uses it")
    : fail(
        "https origin",
        `${config.baseUrl} is plain HTTP`,
        "put TLS in front (a reverse proxy or load balancer) and set AUTH_BASE_URL to the https:// origin",
      );
}

function publicAppUrl(config: Config): DoctorCheck {
  // The configuration refuses a CTXPIPE_PUBLIC_APP_URL that differs, so reaching here means it matches or is unset.
  return ok("public app url", `the web app, REST, auth, MCP and webhooks are served from ${config.baseUrl}`);
}

function allowedOrigins(config: Config): DoctorCheck {
  const extra = config.allowedOrigins.filter((o) => o !== config.baseUrl);
  const plain = extra.filter((o) => o.startsWith("http://") && !/\/\/(localhost|127\.0\.0\.1)(:|$)/.test(o));
  if (plain.length > 0) return warn("allowed origins", `plain-HTTP origins allowed: ${plain.join(", ")}`, "list only https:// origins in AUTH_ALLOWED_ORIGINS");
  return ok("allowed origins", extra.length > 0 ? `${extra.length} extra origin(s), no wildcard` : "only AUTH_BASE_URL");
}

function authSecret(input: DoctorInput): DoctorCheck {
  if (input.authSecretSource === "ephemeral") {
    return fail("auth secret", "AUTH_SECRET is not set", "set AUTH_SECRET (`openssl rand -base64 32`) in every process's environment");
  }
  const secret = input.config.authSecret;
  const distinct = new Set(secret).size;
  if (secret.length < 32 || distinct < 10) {
    return fail("auth secret", `AUTH_SECRET is weak (${secret.length} characters, ${distinct} distinct)`, "set AUTH_SECRET to `openssl rand -base64 32`");
  }
  return ok(
    "auth secret",
    `${secret.length} characters, from ${input.authSecretSource === "generated" ? "the data directory (generated)" : "the environment"}`,
  );
}

function localRepositories(config: Config): DoctorCheck {
  if (!config.repositories.allowLocal) return ok("local repositories", "off: repositories are cloned from https:// or ssh URLs only");
  return warn(
    "local repositories",
    `CTXPIPE_ALLOW_LOCAL_REPOSITORIES=true: an admin of any organisation may index directories under ${config.repositories.localRoot ?? "(no root: none)"} on this server's disk, and http:// remotes`,
    "turn it off unless one organisation uses this instance; keep CTXPIPE_LOCAL_REPOSITORIES_ROOT to a directory every organisation may read",
  );
}

async function storedSecrets(input: DoctorInput): Promise<DoctorCheck> {
  const { total, undecryptable } = await checkAllSecrets(input.db, input.secretBox);
  if (!input.secretBox && total > 0) {
    return fail("stored secrets", `${total} stored secret(s) and no encryption key`, "set CONNECTION_SECRETS_ENCRYPTION_KEY to the key that sealed them");
  }
  if (undecryptable > 0) {
    return fail(
      "stored secrets",
      `${undecryptable} of ${total} stored secret(s) cannot be decrypted with the configured keys`,
      "list the key that sealed them in CONNECTION_SECRETS_ENCRYPTION_KEY_PREVIOUS, then run `ctxpipe secrets rotate`",
    );
  }
  return ok("stored secrets", `${total} stored secret(s), all decrypt with the current or a previous key`);
}

async function originReachable(input: DoctorInput): Promise<DoctorCheck> {
  const url = `${input.config.baseUrl}/.status`;
  try {
    const res = await (input.fetchImpl ?? fetch)(url, { signal: AbortSignal.timeout(5_000), redirect: "manual" });
    const body = (await res.json().catch(() => undefined)) as { status?: string } | undefined;
    if (res.status === 200 && body?.status === "ok") {
      return ok(
        "origin reachable",
        `${url} answers status ok; callbacks (${input.config.baseUrl}/api/v1/webhook/github/<id>, /api/v1/integrations/atlassian/callback) use this origin`,
      );
    }
    return warn(
      "origin reachable",
      `${url} answered HTTP ${res.status}${body?.status ? ` with status ${body.status}` : ""}`,
      "check /.status's checks, and that the proxy forwards to the server role",
    );
  } catch (err) {
    return fail(
      "origin reachable",
      `${url} cannot be reached from here (${(err as Error).name === "TimeoutError" ? "timeout" : (err as Error).message})`,
      "check DNS, TLS and the proxy for AUTH_BASE_URL",
    );
  }
}

async function heartbeat(input: DoctorInput, role: "worker" | "codesearch"): Promise<DoctorCheck> {
  const name = `${role} heartbeat`;
  const { rows } = await input.db.unsafeSystem.query<{ n: number; age: number | null }>(
    "select count(*)::int as n, extract(epoch from now() - max(last_seen_at))::float8 as age from worker_heartbeats where role = $1 and last_seen_at > now() - $2 * interval '1 second'",
    [role, input.config.workerStaleSeconds],
  );
  const live = rows[0]?.n ?? 0;
  if (live === 0) {
    return fail(
      name,
      `no ${role} process has reported in the last ${input.config.workerStaleSeconds} s`,
      `start \`ctxpipe ${role}\` (or \`ctxpipe serve\`) against this database`,
    );
  }
  return ok(name, `${live} ${role} process(es), last seen ${Math.round(rows[0]?.age ?? 0)} s ago`);
}

async function migrations(db: Database): Promise<DoctorCheck> {
  const newer = await unknownMigrations(db.unsafeSystem);
  if (newer.length > 0)
    return fail(
      "migrations",
      `the database has ${newer.length} migration(s) this version does not know`,
      "run the newer release, or restore the pre-upgrade backup",
    );
  const pending = await pendingMigrations(db.unsafeSystem);
  if (pending.length > 0) return fail("migrations", `${pending.length} pending (${pending[0]}…)`, "run `ctxpipe migrate`");
  return ok("migrations", "the schema is this version's");
}

async function lastBackup(db: Database): Promise<DoctorCheck> {
  const { rows } = await db.unsafeSystem.query<{ age: number; encrypted: boolean }>(
    "select extract(epoch from now() - finished_at)::float8 as age, encrypted from backup_runs order by finished_at desc limit 1",
  );
  const last = rows[0];
  if (!last)
    return warn(
      "last backup",
      "no `ctxpipe backup` has run against this database",
      "schedule `ctxpipe backup --out …` (or rely on your provider's backups and say so in your runbook)",
    );
  const days = last.age / 86_400;
  const detail = `${days < 1 ? `${Math.round(last.age / 3600)} h` : `${days.toFixed(1)} days`} ago${last.encrypted ? ", encrypted" : ""}`;
  return days > BACKUP_MAX_AGE_DAYS ? warn("last backup", detail, "back up at least weekly; test a restore") : ok("last backup", detail);
}

async function backupEncryption(input: DoctorInput): Promise<DoctorCheck> {
  const embedded = !input.config.database.url;
  const holds = embedded ? "it holds AUTH_SECRET and the secrets encryption key with the data" : "it holds every organisation's data and their sealed secrets";
  const fix = "give backups a passphrase: CTXPIPE_BACKUP_PASSPHRASE, or `ctxpipe backup --passphrase-stdin`";
  if (input.config.backupSchedule && !input.config.backupSchedule.passphrase) {
    return warn("backup encryption", `scheduled backups (CTXPIPE_BACKUP_DIR) are written unencrypted: ${holds}`, fix);
  }
  const { rows } = await input.db.unsafeSystem.query<{ encrypted: boolean }>("select encrypted from backup_runs order by finished_at desc limit 1");
  const last = rows[0];
  if (!last) return ok("backup encryption", "no backup taken yet");
  return last.encrypted
    ? ok("backup encryption", "the last backup is encrypted")
    : warn("backup encryption", `the last backup is not encrypted: ${holds}`, fix);
}

async function freeDisk(dir: string): Promise<DoctorCheck> {
  // The doctor creates nothing: with DATABASE_URL, the directory may not exist yet (the roles
  // create it), so measure the disk it will be on.
  let measured = dir;
  while (!existsSync(measured) && path.dirname(measured) !== measured) measured = path.dirname(measured);
  const stats = await fs.statfs(measured);
  const free = stats.bavail * stats.bsize;
  const ratio = free / (stats.blocks * stats.bsize);
  const detail = `${(free / 1024 ** 3).toFixed(1)} GiB free (${Math.round(ratio * 100)} %) in ${dir}${measured === dir ? "" : " (not created yet)"}`;
  return free < MIN_FREE_BYTES || ratio < MIN_FREE_RATIO
    ? warn("data directory disk", detail, "give the data directory more space: clones and the embedded database grow with the repositories")
    : ok("data directory disk", detail);
}

async function postgres(input: DoctorInput): Promise<DoctorCheck> {
  const { rows } = await input.db.unsafeSystem.query<{ version: number; max: number; trgm: boolean }>(
    `select current_setting('server_version_num')::int as version, current_setting('max_connections')::int as max,
            exists (select 1 from pg_extension where extname = 'pg_trgm') as trgm`,
  );
  const { version, max, trgm } = rows[0]!;
  const major = Math.floor(version / 10_000);
  if (major < 15) return fail("postgres", `PostgreSQL ${major}`, "upgrade to PostgreSQL 15 or newer");
  if (!trgm) return fail("postgres", "pg_trgm is not installed", "run `ctxpipe migrate` with a role that may create extensions");
  const perProcess = 2 * input.config.database.poolSize + 4;
  const detail = `PostgreSQL ${major}, max_connections ${max}, pg_trgm installed; each ctxpipe process opens up to ${perProcess} connections`;
  return max < perProcess * 2
    ? warn("postgres", detail, "raise max_connections or lower DATABASE_POOL_SIZE so that every process fits")
    : ok("postgres", detail);
}
