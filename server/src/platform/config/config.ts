/**
 * The typed configuration object every role receives, and the parser that builds it from the
 * environment. Parsing is pure (no file system): secrets generated for embedded mode are
 * resolved later by runtime-secrets.ts.
 */
import path from "node:path";
import type { TelemetryConfig } from "../telemetry/telemetry.js";
import { envSchema, type RawEnv } from "./config.schema.js";

/** Fully validated configuration. */
export interface Config {
  nodeEnv: RawEnv["NODE_ENV"];
  http: { host: string; port: number; bodyLimitBytes: number };
  /** The public origin, e.g. "https://ctxpipe.example.com" (no trailing slash). */
  baseUrl: string;
  /** Origins allowed by CORS: baseUrl plus AUTH_ALLOWED_ORIGINS. */
  allowedOrigins: string[];
  /** Undefined in embedded mode until runtime-secrets.ts fills it in. */
  authSecret: string | undefined;
  /** 32-byte key for secrets at rest; generated in embedded mode when unset. */
  encryptionKey: Buffer | undefined;
  /** Earlier keys that still decrypt (rotation). */
  previousEncryptionKeys: Buffer[];
  /** Outgoing e-mail; undefined when SMTP is not configured. */
  email: { smtpUrl: string; from: string } | undefined;
  /** Who may create an account (AUTH_SIGN_UP): accounts/auth/sign-up-policy.ts. */
  signUp: SignUpRule;
  /** Social sign-in providers that are configured. */
  socialProviders: { github?: { clientId: string; clientSecret: string }; google?: { clientId: string; clientSecret: string } };
  trustedProxyHops: number;
  invitationTtlHours: number;
  repositories: {
    allowLocal: boolean;
    /** The only directory local repositories may be in (absolute); undefined: none. Never the data directory. */
    localRoot: string | undefined;
    allowedHosts: string[];
    maxFileBytes: number;
    maxRepositoryBytes: number;
    gitTimeoutMs: number;
    maxPerOrg: number;
    /** How often the worker looks for due remote checks (repositories/refresh-checks.ts). */
    checkTickMs: number;
  };
  /** The model provider of the optional LLM features (chat, ctx_advisor); undefined when none is configured. */
  model: ModelConfig | undefined;
  /** The embedding model of questions in words (MODEL_EMBEDDING_*); undefined when none is configured. */
  embedding: EmbeddingConfig | undefined;
  /** The agent loop's limits. */
  /** Passphrase of backup archives (CTXPIPE_BACKUP_PASSPHRASE), if set. */
  backupPassphrase: string | undefined;
  /** Scheduled backups by the worker role (CTXPIPE_BACKUP_DIR); undefined: none. */
  backupSchedule: { dir: string; intervalMinutes: number; keep: number; passphrase: string | undefined } | undefined;
  chat: { maxSteps: number; maxInputTokens: number; maxOutputTokens: number; timeoutMs: number };
  /** GitHub App connections: the default API URL, and how often each is reconciled. */
  github: { apiUrl: string; reconcileSeconds: number };
  /** Atlassian Cloud (Confluence connections, docs/confluence.md). */
  atlassian: { authUrl: string; apiUrl: string; syncMinutes: number };
  database: { url: string | undefined; poolSize: number; migrateOnStart: boolean };
  /** The fair share of searches and MCP tool calls (platform/fair-share.ts), and the search budget cap. */
  search: { slots: number; perOrg: number; perCaller: number; queueMs: number; maxBudgetMs: number; contentIndex: "pg_trgm" | "postings" };
  /** Absolute path of the data directory. */
  dataDir: string;
  logLevel: RawEnv["LOG_LEVEL"];
  /** Traces (OTLP) and metrics (Prometheus); see platform/telemetry. */
  telemetry: TelemetryConfig;
  shutdownTimeoutMs: number;
  workerStaleSeconds: number;
  /** The job queue's timings (jobs/job-queue.ts) and the worker heartbeat's period (status/heartbeat.job.ts). */
  jobs: JobTimings;
}

/** The job queue's timings, in seconds; tests shorten them. */
export interface JobTimings {
  /** pg-boss' supervisor pass (worker-type roles). */
  superviseSeconds: number;
  /** pg-boss' per-queue check for expired jobs and missed heartbeats. */
  monitorSeconds: number;
  /** Overrides every job type's first retry delay; undefined: each job's own. */
  retryDelaySeconds: number | undefined;
  /** Period of the worker-type roles' heartbeats. */
  workerHeartbeatSeconds: number;
}

/**
 * The configuration once the platform has started (roles/platform.ts): AUTH_SECRET is resolved
 * (from the environment, or generated in the data directory in embedded mode). Everything
 * built after the platform starts takes this type, never the parsed `Config`.
 */
export type ResolvedConfig = Omit<Config, "authSecret"> & { authSecret: string };

/** A configured model provider: which API, where, with which key, and a model name per tier. */
export interface ModelConfig {
  provider: "openai-compatible" | "anthropic" | "azure" | "bedrock" | "openrouter";
  url: string | undefined;
  apiKey: string | undefined;
  /** Every tier has a name: a missing one takes the nearest configured (medium, then fast or high). */
  names: { fast: string; medium: string; high: string };
}

/** A configured embedding model: provider, model, vector length, and the bounds of its use. */
export interface EmbeddingConfig {
  provider: "openai-compatible" | "azure" | "bedrock" | "openrouter";
  url: string | undefined;
  apiKey: string | undefined;
  name: string;
  /** The vectors' length: asked of the provider (unless `sendDimensions` is false) and checked on every answer. */
  dimensions: number;
  sendDimensions: boolean;
  /** US dollars per million input tokens, when the operator set it (cost estimates). */
  pricePerMillionTokens: number | undefined;
  /** Texts per provider request. */
  batchSize: number;
  /** The first chunks of a blob that are embedded. */
  maxChunksPerBlob: number;
  /** Characters of a chunk sent to the model. */
  maxInputChars: number;
  /** Tokens per organisation per UTC day. */
  dailyTokensPerOrg: number;
  /** Retries of a failed request during a run (the SDK's exponential backoff). */
  requestRetries: number;
  /** Deadline of a question's embedding call. */
  queryTimeoutMs: number;
}

/** Providers that need a base URL, and those that need a key. */
const NEEDS_URL = new Set(["openai-compatible", "azure", "bedrock"]);
const NEEDS_KEY = new Set(["anthropic", "azure", "bedrock", "openrouter"]);

/** Reads the MODEL_* variables; pushes problems; undefined when no model name is set. */
function parseModel(data: Partial<RawEnv>, problems: string[]): ModelConfig | undefined {
  const given = { fast: data.MODEL_FAST_NAME, medium: data.MODEL_MEDIUM_NAME, high: data.MODEL_HIGH_NAME };
  const any = given.medium ?? given.fast ?? given.high;
  if (!any) {
    // The provider may serve only embeddings (MODEL_EMBEDDING_NAME).
    if ((data.MODEL_PROVIDER_URL || data.MODEL_PROVIDER_API_KEY) && !data.MODEL_EMBEDDING_NAME)
      problems.push("MODEL_MEDIUM_NAME: set a model name (MODEL_FAST_NAME, MODEL_MEDIUM_NAME or MODEL_HIGH_NAME) to use the model provider");
    return undefined;
  }
  const provider = data.MODEL_PROVIDER ?? "openai-compatible";
  if (NEEDS_URL.has(provider) && !data.MODEL_PROVIDER_URL) problems.push(`MODEL_PROVIDER_URL: required for MODEL_PROVIDER=${provider}`);
  if (NEEDS_KEY.has(provider) && !data.MODEL_PROVIDER_API_KEY) problems.push(`MODEL_PROVIDER_API_KEY: required for MODEL_PROVIDER=${provider}`);
  if (data.MODEL_PROVIDER_URL && /^[a-z]+:\/\/[^/]*@/i.test(data.MODEL_PROVIDER_URL)) {
    problems.push("MODEL_PROVIDER_URL: must not hold credentials; put the key in MODEL_PROVIDER_API_KEY");
  }
  const medium = given.medium ?? given.fast ?? given.high ?? any;
  return {
    provider,
    url: data.MODEL_PROVIDER_URL?.replace(/\/+$/, ""),
    apiKey: data.MODEL_PROVIDER_API_KEY,
    names: { fast: given.fast ?? medium, medium, high: given.high ?? medium },
  };
}

/** Reads the MODEL_EMBEDDING_* and CTXPIPE_EMBEDDING_* variables; pushes problems; undefined when no embedding model is set. */
function parseEmbedding(data: Partial<RawEnv>, problems: string[]): EmbeddingConfig | undefined {
  const name = data.MODEL_EMBEDDING_NAME;
  if (!name) {
    if (data.MODEL_EMBEDDING_PROVIDER || data.MODEL_EMBEDDING_PROVIDER_URL || data.MODEL_EMBEDDING_DIMENSIONS)
      problems.push("MODEL_EMBEDDING_NAME: set the embedding model's name to use the other MODEL_EMBEDDING_* settings");
    return undefined;
  }
  const chatProvider = data.MODEL_PROVIDER ?? "openai-compatible";
  const provider = data.MODEL_EMBEDDING_PROVIDER ?? (chatProvider === "anthropic" ? undefined : chatProvider);
  if (!provider) {
    problems.push("MODEL_EMBEDDING_PROVIDER: Anthropic offers no embedding model; name the embedding provider (openai-compatible, azure, bedrock, openrouter)");
    return undefined;
  }
  // The chat provider's URL and key serve embeddings too, unless the embedding provider is another one.
  const sameProvider = !data.MODEL_EMBEDDING_PROVIDER || data.MODEL_EMBEDDING_PROVIDER === chatProvider;
  const url = data.MODEL_EMBEDDING_PROVIDER_URL ?? (sameProvider ? data.MODEL_PROVIDER_URL : undefined);
  const apiKey = data.MODEL_EMBEDDING_PROVIDER_API_KEY ?? (sameProvider ? data.MODEL_PROVIDER_API_KEY : undefined);
  if (NEEDS_URL.has(provider) && !url) problems.push(`MODEL_EMBEDDING_PROVIDER_URL: required for the ${provider} embedding provider (or MODEL_PROVIDER_URL)`);
  if (NEEDS_KEY.has(provider) && !apiKey)
    problems.push(`MODEL_EMBEDDING_PROVIDER_API_KEY: required for the ${provider} embedding provider (or MODEL_PROVIDER_API_KEY)`);
  if (url && /^[a-z]+:\/\/[^/]*@/i.test(url))
    problems.push("MODEL_EMBEDDING_PROVIDER_URL: must not hold credentials; put the key in MODEL_EMBEDDING_PROVIDER_API_KEY");
  if (!data.MODEL_EMBEDDING_DIMENSIONS) {
    problems.push("MODEL_EMBEDDING_DIMENSIONS: required with MODEL_EMBEDDING_NAME (the length of the model's vectors, e.g. 1536)");
    return undefined;
  }
  return {
    provider,
    url: url?.replace(/\/+$/, ""),
    apiKey,
    name,
    dimensions: data.MODEL_EMBEDDING_DIMENSIONS,
    sendDimensions: data.MODEL_EMBEDDING_SEND_DIMENSIONS ?? true,
    pricePerMillionTokens: data.MODEL_EMBEDDING_PRICE_PER_MILLION_TOKENS,
    batchSize: data.CTXPIPE_EMBEDDING_BATCH_SIZE ?? 64,
    maxChunksPerBlob: data.CTXPIPE_EMBEDDING_MAX_CHUNKS_PER_BLOB ?? 4,
    maxInputChars: data.CTXPIPE_EMBEDDING_MAX_INPUT_CHARS ?? 6_000,
    dailyTokensPerOrg: data.CTXPIPE_EMBEDDING_DAILY_TOKENS_PER_ORG ?? 20_000_000,
    requestRetries: data.CTXPIPE_EMBEDDING_REQUEST_RETRIES ?? 3,
    queryTimeoutMs: data.CTXPIPE_EMBEDDING_QUERY_TIMEOUT_MS ?? 3_000,
  };
}

/**
 * Who may create an account. `first-user` (AUTH_SIGN_UP unset): anyone while the instance has
 * no user, then as `invite-only`. `domains`: addresses in `domains`, or invited ones.
 */
export type SignUpRule = { mode: "open" | "invite-only" | "first-user" } | { mode: "domains"; domains: string[] };

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Parses AUTH_SIGN_UP; pushes a problem and returns undefined when it is not valid. */
function parseSignUp(value: string | undefined, problems: string[]): SignUpRule | undefined {
  if (value === undefined) return { mode: "first-user" };
  const trimmed = value.trim().toLowerCase();
  if (trimmed === "open" || trimmed === "invite-only") return { mode: trimmed };
  if (trimmed.startsWith("domains:")) {
    const domains = trimmed
      .slice("domains:".length)
      .split(",")
      .map((d) => d.trim().replace(/^@/, ""))
      .filter(Boolean);
    const bad = domains.filter((d) => !DOMAIN.test(d));
    if (domains.length > 0 && bad.length === 0) return { mode: "domains", domains: [...new Set(domains)] };
    problems.push(`AUTH_SIGN_UP: ${bad.length > 0 ? `not a domain: ${bad.join(", ")}` : "list at least one domain"} (e.g. domains:example.com,example.org)`);
    return undefined;
  }
  problems.push(`AUTH_SIGN_UP: must be open, invite-only or domains:<list> (got "${value}")`);
  return undefined;
}

/** Thrown when the environment is invalid; `problems` names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** What the configuration is for: `migrate` and admin commands need no public origin or secret. */
export type ConfigPurpose = "roles" | "maintenance";

/**
 * Parses and cross-checks the environment. Collects every problem before failing.
 * Empty strings count as unset everywhere.
 * @throws ConfigError listing each invalid or missing variable.
 */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd(), purpose: ConfigPurpose = "roles"): Config {
  // Each variable is parsed on its own so that one message can list every problem,
  // and the cross-field rules below still see the variables that did parse.
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(envSchema.shape)) {
    const parsed = schema.safeParse(env[key] === "" ? undefined : env[key]);
    if (parsed.success) raw[key] = parsed.data;
    else problems.push(`${key}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  }
  const data = raw as Partial<RawEnv>;
  const embedded = !env.DATABASE_URL;
  const maintenance = purpose === "maintenance";
  const production = data.NODE_ENV === "production";

  let baseUrl = data.AUTH_BASE_URL ? new URL(data.AUTH_BASE_URL).origin : undefined;
  if (!baseUrl && !problems.some((p) => p.startsWith("AUTH_BASE_URL:"))) {
    // Embedded mode defaults to this machine, on the configured port.
    if (embedded || maintenance) baseUrl = `http://localhost:${data.PORT || 3000}`;
    else problems.push("AUTH_BASE_URL: required when DATABASE_URL is set (the public origin, e.g. https://ctxpipe.example.com)");
  }
  if (data.CTXPIPE_PUBLIC_APP_URL && baseUrl && new URL(data.CTXPIPE_PUBLIC_APP_URL).origin !== baseUrl) {
    problems.push(`CTXPIPE_PUBLIC_APP_URL: must equal the AUTH_BASE_URL origin (${baseUrl}); got ${new URL(data.CTXPIPE_PUBLIC_APP_URL).origin}`);
  }

  const allowedOrigins = baseUrl ? [baseUrl] : [];
  for (const entry of (data.AUTH_ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (entry === "*" || entry.includes("*")) {
      problems.push('AUTH_ALLOWED_ORIGINS: "*" is not allowed; list each origin explicitly');
      continue;
    }
    try {
      const url = new URL(entry);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
      if (!allowedOrigins.includes(url.origin)) allowedOrigins.push(url.origin);
    } catch {
      problems.push(`AUTH_ALLOWED_ORIGINS: "${entry}" is not an http(s) origin`);
    }
  }

  if (data.AUTH_SECRET !== undefined && data.AUTH_SECRET.length < 32) {
    problems.push("AUTH_SECRET: must be at least 32 characters (try `openssl rand -base64 32`)");
  } else if (data.AUTH_SECRET === undefined && (!embedded || production) && !maintenance) {
    problems.push(
      `AUTH_SECRET: required when ${embedded ? "NODE_ENV=production" : "DATABASE_URL is set"} (at least 32 characters; try \`openssl rand -base64 32\`)`,
    );
  }

  if (data.CTXPIPE_METRICS_PORT !== undefined && data.CTXPIPE_METRICS_PORT === data.PORT) {
    problems.push("CTXPIPE_METRICS_PORT: must differ from PORT: metrics are served on a private port, never on the public origin");
  }
  for (const key of ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] as const) {
    const value = data[key];
    if (value && !/^https?:\/\/[^\s]+$/.test(value)) problems.push(`${key}: must be an http(s) URL, e.g. http://otel-collector:4318`);
  }
  if (data.OTEL_EXPORTER_OTLP_HEADERS && otlpHeaders(data.OTEL_EXPORTER_OTLP_HEADERS) === undefined) {
    problems.push("OTEL_EXPORTER_OTLP_HEADERS: must be comma-separated key=value pairs (values URL-encoded)");
  }

  const previousKeys: Buffer[] = [];
  for (const entry of (data.CONNECTION_SECRETS_ENCRYPTION_KEY_PREVIOUS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (/^[0-9a-fA-F]{64}$/.test(entry)) previousKeys.push(Buffer.from(entry, "hex"));
    else problems.push("CONNECTION_SECRETS_ENCRYPTION_KEY_PREVIOUS: each entry must be 64 hexadecimal characters");
  }
  // Only when set: a stale limit under the default period (5-10 s) was accepted before.
  const heartbeat = env.CTXPIPE_WORKER_HEARTBEAT_SECONDS ? data.CTXPIPE_WORKER_HEARTBEAT_SECONDS : undefined;
  if (heartbeat !== undefined && data.CTXPIPE_WORKER_STALE_SECONDS !== undefined && heartbeat >= data.CTXPIPE_WORKER_STALE_SECONDS) {
    problems.push("CTXPIPE_WORKER_HEARTBEAT_SECONDS: must be less than CTXPIPE_WORKER_STALE_SECONDS (a live worker would look stale between heartbeats)");
  }
  if (data.SMTP_CONNECTION_URL && !data.EMAIL_FROM_ADDRESS) {
    problems.push("EMAIL_FROM_ADDRESS: required when SMTP_CONNECTION_URL is set");
  }
  for (const provider of ["GITHUB", "GOOGLE"] as const) {
    const id = data[`AUTH_${provider}_CLIENT_ID`];
    const secret = data[`AUTH_${provider}_CLIENT_SECRET`];
    if (Boolean(id) !== Boolean(secret)) {
      problems.push(`AUTH_${provider}_CLIENT_${id ? "SECRET" : "ID"}: set both AUTH_${provider}_CLIENT_ID and AUTH_${provider}_CLIENT_SECRET, or neither`);
    }
  }

  if (data.CTXPIPE_ALLOW_LOCAL_REPOSITORIES && !data.CTXPIPE_LOCAL_REPOSITORIES_ROOT) {
    problems.push("CTXPIPE_LOCAL_REPOSITORIES_ROOT: required when CTXPIPE_ALLOW_LOCAL_REPOSITORIES=true (the directory that holds the local repositories)");
  }
  if (data.CTXPIPE_LOCAL_REPOSITORIES_ROOT && data.CTXPIPE_DATA_DIR) {
    const root = path.resolve(cwd, data.CTXPIPE_LOCAL_REPOSITORIES_ROOT);
    const dataDir = path.resolve(cwd, data.CTXPIPE_DATA_DIR);
    const rel = path.relative(dataDir, root);
    if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) {
      problems.push(
        `CTXPIPE_LOCAL_REPOSITORIES_ROOT: must not be the data directory or inside it (${dataDir}): it holds every organisation's clones and the secrets`,
      );
    }
  }

  const signUp = parseSignUp(data.AUTH_SIGN_UP, problems);
  const model = parseModel(data, problems);
  const embedding = parseEmbedding(data, problems);

  if (problems.length > 0 || !baseUrl || !signUp) throw new ConfigError(problems);
  const valid = data as RawEnv;
  return {
    nodeEnv: valid.NODE_ENV,
    http: { host: valid.HOST ?? (embedded ? "127.0.0.1" : "0.0.0.0"), port: valid.PORT, bodyLimitBytes: valid.CTXPIPE_HTTP_BODY_LIMIT_BYTES },
    baseUrl,
    allowedOrigins,
    authSecret: valid.AUTH_SECRET,
    encryptionKey: valid.CONNECTION_SECRETS_ENCRYPTION_KEY ? Buffer.from(valid.CONNECTION_SECRETS_ENCRYPTION_KEY, "hex") : undefined,
    previousEncryptionKeys: previousKeys,
    email: valid.SMTP_CONNECTION_URL && valid.EMAIL_FROM_ADDRESS ? { smtpUrl: valid.SMTP_CONNECTION_URL, from: valid.EMAIL_FROM_ADDRESS } : undefined,
    signUp,
    socialProviders: {
      ...(valid.AUTH_GITHUB_CLIENT_ID && valid.AUTH_GITHUB_CLIENT_SECRET
        ? { github: { clientId: valid.AUTH_GITHUB_CLIENT_ID, clientSecret: valid.AUTH_GITHUB_CLIENT_SECRET } }
        : {}),
      ...(valid.AUTH_GOOGLE_CLIENT_ID && valid.AUTH_GOOGLE_CLIENT_SECRET
        ? { google: { clientId: valid.AUTH_GOOGLE_CLIENT_ID, clientSecret: valid.AUTH_GOOGLE_CLIENT_SECRET } }
        : {}),
    },
    trustedProxyHops: valid.CTXPIPE_TRUSTED_PROXY_HOPS,
    repositories: {
      allowLocal: valid.CTXPIPE_ALLOW_LOCAL_REPOSITORIES,
      localRoot: valid.CTXPIPE_LOCAL_REPOSITORIES_ROOT ? path.resolve(cwd, valid.CTXPIPE_LOCAL_REPOSITORIES_ROOT) : undefined,
      allowedHosts: (valid.CTXPIPE_GIT_ALLOWED_HOSTS ?? "")
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
      maxFileBytes: valid.CTXPIPE_MAX_FILE_BYTES,
      maxRepositoryBytes: valid.CTXPIPE_MAX_REPOSITORY_BYTES,
      gitTimeoutMs: valid.CTXPIPE_GIT_TIMEOUT_SECONDS * 1000,
      maxPerOrg: valid.CTXPIPE_MAX_REPOSITORIES_PER_ORG,
      checkTickMs: valid.CTXPIPE_REPOSITORY_CHECK_TICK_SECONDS * 1000,
    },
    model,
    embedding,
    backupPassphrase: valid.CTXPIPE_BACKUP_PASSPHRASE,
    backupSchedule: valid.CTXPIPE_BACKUP_DIR
      ? {
          dir: path.resolve(cwd, valid.CTXPIPE_BACKUP_DIR),
          intervalMinutes: valid.CTXPIPE_BACKUP_INTERVAL_MINUTES,
          keep: valid.CTXPIPE_BACKUP_KEEP,
          passphrase: valid.CTXPIPE_BACKUP_PASSPHRASE,
        }
      : undefined,
    chat: {
      maxSteps: valid.CTXPIPE_CHAT_MAX_STEPS,
      maxInputTokens: valid.CTXPIPE_CHAT_MAX_INPUT_TOKENS,
      maxOutputTokens: valid.CTXPIPE_CHAT_MAX_OUTPUT_TOKENS,
      timeoutMs: valid.CTXPIPE_CHAT_TIMEOUT_SECONDS * 1000,
    },
    github: { apiUrl: (valid.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""), reconcileSeconds: valid.CTXPIPE_GITHUB_RECONCILE_SECONDS },
    atlassian: {
      authUrl: (valid.ATLASSIAN_AUTH_URL ?? "https://auth.atlassian.com").replace(/\/+$/, ""),
      apiUrl: (valid.ATLASSIAN_API_URL ?? "https://api.atlassian.com").replace(/\/+$/, ""),
      syncMinutes: valid.CTXPIPE_CONFLUENCE_SYNC_MINUTES,
    },
    invitationTtlHours: valid.CTXPIPE_INVITATION_TTL_HOURS,
    database: {
      url: valid.DATABASE_URL,
      poolSize: valid.DATABASE_POOL_SIZE,
      migrateOnStart: embedded || valid.CTXPIPE_MIGRATE_ON_START,
    },
    search: searchShare(valid),
    dataDir: path.resolve(cwd, valid.CTXPIPE_DATA_DIR),
    logLevel: valid.LOG_LEVEL,
    telemetry: telemetryConfig(valid),
    shutdownTimeoutMs: valid.CTXPIPE_SHUTDOWN_TIMEOUT_MS,
    workerStaleSeconds: valid.CTXPIPE_WORKER_STALE_SECONDS,
    jobs: {
      superviseSeconds: valid.CTXPIPE_JOB_SUPERVISE_SECONDS,
      monitorSeconds: valid.CTXPIPE_JOB_MONITOR_SECONDS,
      retryDelaySeconds: valid.CTXPIPE_JOB_RETRY_DELAY_SECONDS,
      workerHeartbeatSeconds: valid.CTXPIPE_WORKER_HEARTBEAT_SECONDS,
    },
  };
}

/** The search caps: explicit values, or shares of the database pool. */
/** `k1=v1,k2=v2` (values URL-encoded, as the OTLP specification says), or undefined when malformed. */
function otlpHeaders(value: string): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const pair of value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf("=");
    if (at <= 0) return undefined;
    try {
      headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      return undefined;
    }
  }
  return headers;
}

/** The telemetry settings: the traces URL from the signal-specific or general OTLP endpoint. */
function telemetryConfig(valid: RawEnv): TelemetryConfig {
  const general = valid.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, "");
  return {
    tracesUrl: valid.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (general ? `${general}/v1/traces` : undefined),
    headers: valid.OTEL_EXPORTER_OTLP_HEADERS ? (otlpHeaders(valid.OTEL_EXPORTER_OTLP_HEADERS) ?? {}) : {},
    serviceName: valid.OTEL_SERVICE_NAME ?? "ctxpipe",
    batchDelayMs: valid.OTEL_BSP_SCHEDULE_DELAY,
    sampler: valid.OTEL_TRACES_SAMPLER,
    samplerRatio: valid.OTEL_TRACES_SAMPLER_ARG,
    metricsPort: valid.CTXPIPE_METRICS_PORT,
    metricsHost: valid.CTXPIPE_METRICS_HOST,
  };
}

function searchShare(valid: RawEnv): Config["search"] {
  const slots = valid.CTXPIPE_SEARCH_SLOTS ?? Math.max(1, Math.floor(valid.DATABASE_POOL_SIZE * 0.6));
  return {
    slots,
    perOrg: Math.min(slots, valid.CTXPIPE_SEARCH_SLOTS_PER_ORG ?? Math.max(1, Math.floor(slots / 2))),
    perCaller: Math.min(slots, valid.CTXPIPE_SEARCH_SLOTS_PER_CALLER),
    queueMs: valid.CTXPIPE_SEARCH_QUEUE_MS,
    maxBudgetMs: valid.CTXPIPE_SEARCH_MAX_BUDGET_MS,
    contentIndex: valid.CTXPIPE_SEARCH_CONTENT_INDEX,
  };
}
