/**
 * The environment variables ctxpipe reads, as one zod schema with a doc comment per variable.
 * Parsed once at start-up by config.ts; no other module reads `process.env`.
 * docs/configuration.md mirrors this file.
 */
import { z } from "zod";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Empty strings count as unset, so `FOO=` in an env file does not trip a validator. */
const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());

/** A boolean written as true/false/1/0/yes/no. */
const booleanFlag = z
  .preprocess((v) => (v === "" || v === undefined ? undefined : String(v).toLowerCase()), z.enum(["true", "false", "1", "0", "yes", "no"]).optional())
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** An http(s) URL that is a bare origin (no path, query or fragment). */
const originUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: `must be an absolute URL such as https://ctxpipe.example.com (got "${value}")` });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `must use http or https (got "${url.protocol}")` });
  } else if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    ctx.addIssue({ code: "custom", message: `must be an origin without a path, query or fragment (got "${value}")` });
  } else if (url.username || url.password) {
    ctx.addIssue({ code: "custom", message: "must not contain credentials" });
  }
});

/** The raw environment schema. Cross-field rules live in config.ts. */
export const envSchema = z.object({
  /** Deployment mode: production makes AUTH_SECRET mandatory. */
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** TCP port of the public HTTP listener. 0 picks a free port (tests). */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface the HTTP listener binds to. Default: 127.0.0.1 in embedded mode, 0.0.0.0 with DATABASE_URL. */
  HOST: z.string().min(1).optional(),
  /** The one public origin: browser UI, REST, auth, MCP and webhooks. Required with DATABASE_URL. */
  AUTH_BASE_URL: z.preprocess((v) => (v === "" ? undefined : v), originUrl.optional()),
  /** Must equal AUTH_BASE_URL's origin; kept for compatibility with the reference product. */
  CTXPIPE_PUBLIC_APP_URL: z.preprocess((v) => (v === "" ? undefined : v), originUrl.optional()),
  /** Comma-separated extra origins allowed by CORS. Never "*". */
  AUTH_ALLOWED_ORIGINS: optionalString,
  /** Signs sessions and tokens; at least 32 characters. Generated in embedded mode. */
  AUTH_SECRET: optionalString,
  /** 64 hex characters (32 bytes): encrypts connection secrets at rest. */
  CONNECTION_SECRETS_ENCRYPTION_KEY: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hexadecimal characters (32 bytes)")
      .optional(),
  ),
  /** Earlier encryption keys (comma-separated, 64 hex each) that still decrypt until `ctxpipe secrets rotate`. */
  CONNECTION_SECRETS_ENCRYPTION_KEY_PREVIOUS: optionalString,
  /** SMTP server for invitation and password-reset e-mail, e.g. smtps://user:pass@smtp.example.com:465. */
  SMTP_CONNECTION_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^smtps?:\/\/.+/, "must be an smtp:// or smtps:// URL")
      .optional(),
  ),
  /** Sender of ctxpipe's e-mail, e.g. "ctx| <ctx@example.com>". Required with SMTP_CONNECTION_URL. */
  EMAIL_FROM_ADDRESS: optionalString,
  /** Who may create an account: open, invite-only, or domains:<a.com,b.org>. Unset: the first user, then invite-only. */
  AUTH_SIGN_UP: optionalString,
  /** GitHub OAuth app for "Sign in with GitHub" (both or neither). */
  AUTH_GITHUB_CLIENT_ID: optionalString,
  AUTH_GITHUB_CLIENT_SECRET: optionalString,
  /** Google OAuth client for "Sign in with Google" (both or neither). */
  AUTH_GOOGLE_CLIENT_ID: optionalString,
  AUTH_GOOGLE_CLIENT_SECRET: optionalString,
  /** Reverse proxies in front of ctxpipe whose X-Forwarded-For entries are trusted (0: use the socket address). */
  CTXPIPE_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
  /** How long an invitation link stays valid. */
  CTXPIPE_INVITATION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(168),
  /** Accept file:// and local-path repositories (single-machine installs and tests only); needs CTXPIPE_LOCAL_REPOSITORIES_ROOT. */
  CTXPIPE_ALLOW_LOCAL_REPOSITORIES: booleanFlag,
  /**
   * The only directory local repositories may be in (symbolic links resolved); required with
   * CTXPIPE_ALLOW_LOCAL_REPOSITORIES. Never the data directory or inside it.
   */
  CTXPIPE_LOCAL_REPOSITORIES_ROOT: optionalString,
  /** Hosts that may resolve to internal addresses (an internal GitLab, GitHub Enterprise); comma-separated, `*.suffix` allowed. */
  CTXPIPE_GIT_ALLOWED_HOSTS: optionalString,
  /** Largest file indexed, in bytes; larger files are skipped. */
  CTXPIPE_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** Largest repository clone, in bytes; a larger repository fails with a clear error. */
  CTXPIPE_MAX_REPOSITORY_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .max(1024 * 1024 * 1024 * 1024)
    .default(4 * 1024 * 1024 * 1024),
  /** Deadline of one git clone or fetch, in seconds. */
  CTXPIPE_GIT_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .max(24 * 3600)
    .default(900),
  /** How often the worker looks for repositories whose remote check is due, in seconds. */
  CTXPIPE_REPOSITORY_CHECK_TICK_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  /** GitHub's API for new GitHub App connections (Enterprise Server: https://HOST/api/v3). */
  GITHUB_API_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
  /** Atlassian's OAuth server (tests point it at a local fake). */
  ATLASSIAN_AUTH_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
  /** Atlassian's API gateway (accessible-resources, Confluence REST). */
  ATLASSIAN_API_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
  /** Minutes between two syncs of a Confluence connection. */
  CTXPIPE_CONFLUENCE_SYNC_MINUTES: z.coerce.number().int().min(5).max(10_080).default(60),
  /** Seconds between two reconciles of a GitHub connection with its installation. */
  CTXPIPE_GITHUB_RECONCILE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  /** Which API the model provider speaks (docs/chat.md): openai-compatible covers OpenAI, Ollama, vLLM, LM Studio. */
  MODEL_PROVIDER: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.enum(["openai-compatible", "anthropic", "azure", "bedrock", "openrouter"]).default("openai-compatible"),
  ),
  /** The provider's base URL (required for openai-compatible, azure and bedrock). */
  MODEL_PROVIDER_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
  /** The provider's API key (never logged, never shown). */
  MODEL_PROVIDER_API_KEY: optionalString,
  /** Model names for quick, everyday and hard work; at least one enables the model features. */
  MODEL_FAST_NAME: optionalString,
  MODEL_MEDIUM_NAME: optionalString,
  MODEL_HIGH_NAME: optionalString,
  /**
   * The embedding model (docs/configuration.md#embeddings): set it to store chunk vectors and
   * rank questions in words by meaning too. Unset: no embedding call is ever made.
   */
  MODEL_EMBEDDING_NAME: optionalString,
  /** Length of the model's vectors (e.g. 1536 for text-embedding-3-small); required with MODEL_EMBEDDING_NAME. */
  MODEL_EMBEDDING_DIMENSIONS: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(8).max(4096).optional()),
  /** Ask the provider for MODEL_EMBEDDING_DIMENSIONS (`dimensions`); false for models that refuse the field. */
  MODEL_EMBEDDING_SEND_DIMENSIONS: z.preprocess((v) => (v === "" ? undefined : v), booleanFlag.default(true)),
  /** The embedding provider, when it is not MODEL_PROVIDER (Anthropic offers no embeddings). */
  MODEL_EMBEDDING_PROVIDER: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["openai-compatible", "azure", "bedrock", "openrouter"]).optional()),
  /** The embedding provider's base URL and key; unset: MODEL_PROVIDER_URL and MODEL_PROVIDER_API_KEY. */
  MODEL_EMBEDDING_PROVIDER_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
  MODEL_EMBEDDING_PROVIDER_API_KEY: optionalString,
  /** The provider's price in US dollars per million input tokens, for the cost shown before a backfill. */
  MODEL_EMBEDDING_PRICE_PER_MILLION_TOKENS: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().min(0).max(10_000).optional()),
  /** Texts per embedding request. */
  CTXPIPE_EMBEDDING_BATCH_SIZE: z.coerce.number().int().min(1).max(2_048).default(64),
  /** Chunks embedded per file content (the first ones: a chunk holds up to 256 lines). */
  CTXPIPE_EMBEDDING_MAX_CHUNKS_PER_BLOB: z.coerce.number().int().min(1).max(64).default(4),
  /** Characters of a chunk sent to the model (the rest of the chunk is not embedded). */
  CTXPIPE_EMBEDDING_MAX_INPUT_CHARS: z.coerce.number().int().min(200).max(32_000).default(6_000),
  /** Tokens one organisation may spend on embeddings per UTC day (index runs and backfills together). */
  CTXPIPE_EMBEDDING_DAILY_TOKENS_PER_ORG: z.coerce.number().int().min(1_000).max(10_000_000_000).default(20_000_000),
  /** Retries of a failed embedding request during a run (exponential backoff from 2 s) before the job retries later. */
  CTXPIPE_EMBEDDING_REQUEST_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  /** Deadline of the one embedding call a question makes, in ms; past it the search answers lexically. */
  CTXPIPE_EMBEDDING_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3_000),
  /** Passphrase of `ctxpipe backup` / `restore` archives (else --passphrase-stdin; unset: unencrypted). */
  CTXPIPE_BACKUP_PASSPHRASE: optionalString,
  /** Scheduled backups: the directory (unset: none), the interval and how many to keep. */
  CTXPIPE_BACKUP_DIR: optionalString,
  CTXPIPE_BACKUP_INTERVAL_MINUTES: z.coerce.number().int().min(5).max(525_600).default(1_440),
  CTXPIPE_BACKUP_KEEP: z.coerce.number().int().min(1).max(1_000).default(7),
  /** The agent loop's limits (chat, ctx_advisor): steps (model calls), input tokens in all, output tokens per call, wall time. */
  CTXPIPE_CHAT_MAX_STEPS: z.coerce.number().int().min(1).max(50).default(8),
  CTXPIPE_CHAT_MAX_INPUT_TOKENS: z.coerce.number().int().min(1_000).max(2_000_000).default(120_000),
  CTXPIPE_CHAT_MAX_OUTPUT_TOKENS: z.coerce.number().int().min(100).max(64_000).default(2_000),
  CTXPIPE_CHAT_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(1_800).default(120),
  /** Most repositories one organisation may add. */
  CTXPIPE_MAX_REPOSITORIES_PER_ORG: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** External Postgres. Unset: an embedded Postgres runs in CTXPIPE_DATA_DIR/postgres. */
  DATABASE_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  /** Connections per pool (the app pool and the system pool each get this many). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Searches and MCP tool calls running at once in one server process. Unset: 60 % of
   * DATABASE_POOL_SIZE (at least 1), so the rest of the pool stays free for sign-in, /.status
   * and other requests.
   */
  CTXPIPE_SEARCH_SLOTS: z.coerce.number().int().min(1).max(200).optional(),
  /** Searches and tool calls running at once for one organisation. Unset: half the slots (at least 1). */
  CTXPIPE_SEARCH_SLOTS_PER_ORG: z.coerce.number().int().min(1).max(200).optional(),
  /** Searches and tool calls running at once for one caller (API key, OAuth client, session). */
  CTXPIPE_SEARCH_SLOTS_PER_CALLER: z.coerce.number().int().min(1).max(200).default(2),
  /** Longest a search or tool call waits for a slot before it is refused with 429, in ms. */
  CTXPIPE_SEARCH_QUEUE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /**
   * The index that finds code search's content matches: `pg_trgm` (the GIN index over chunk
   * text) or `postings` (the byte-trigram lists of ADR 007). The lists are written only by the
   * index runs of an instance set to `postings` (the others skip their cost while they are
   * proven); chunks stored before have none until they are indexed again.
   */
  CTXPIPE_SEARCH_CONTENT_INDEX: z.enum(["pg_trgm", "postings"]).default("pg_trgm"),
  /** Longest time budget one search may ask for (budgetMs), in ms. */
  CTXPIPE_SEARCH_MAX_BUDGET_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Where clones, the embedded database and generated secrets live. */
  CTXPIPE_DATA_DIR: z.string().min(1).default("./.ctxpipe"),
  /** pino log level. */
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  /** OpenTelemetry (docs/operations.md#telemetry): the standard OTLP variables; export is off when no endpoint is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalString,
  OTEL_EXPORTER_OTLP_HEADERS: optionalString,
  OTEL_SERVICE_NAME: optionalString,
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(10).max(600_000).default(5_000),
  OTEL_TRACES_SAMPLER: z
    .enum(["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"])
    .default("parentbased_always_on"),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  /** Private port of the Prometheus endpoint (/metrics); unset: none. Never the public port. */
  CTXPIPE_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  CTXPIPE_METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  /** Largest accepted request body in bytes (413 beyond). */
  CTXPIPE_HTTP_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
  /** How long a shutdown waits for in-flight requests and jobs before forcing. */
  CTXPIPE_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
  /** Seconds after which a silent worker makes /.status degraded. */
  CTXPIPE_WORKER_STALE_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
  /** Seconds between two heartbeats of a worker-type role (its liveness in /.status); when set, below CTXPIPE_WORKER_STALE_SECONDS. */
  CTXPIPE_WORKER_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
  /**
   * Seconds between two passes of the job queue's supervisor in worker-type roles (pg-boss
   * superviseIntervalSeconds; at least 1): expiry, retention, and failing runs whose worker died.
   */
  CTXPIPE_JOB_SUPERVISE_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /**
   * Seconds between two checks of one queue for expired jobs and jobs whose worker stopped
   * heartbeating (pg-boss monitorIntervalSeconds; at least 1).
   */
  CTXPIPE_JOB_MONITOR_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /**
   * Delay before a failed job's first retry, in seconds, for every job type (later retries back
   * off from it). Unset: each job's own (5-60 s). Applies to the jobs this process sends.
   */
  CTXPIPE_JOB_RETRY_DELAY_SECONDS: z.coerce.number().int().min(0).max(3600).optional(),
  /** Apply migrations at start-up even with DATABASE_URL (embedded mode always does). */
  CTXPIPE_MIGRATE_ON_START: booleanFlag,
});

/** The environment as parsed by `envSchema`. */
export type RawEnv = z.infer<typeof envSchema>;
export { LOG_LEVELS };
