/**
 * Configuration parsing: defaults, cross-field rules, and one message naming every problem.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseConfig } from "./config.js";

const SECRET = "0123456789abcdef0123456789abcdef";

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env, "/srv");
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail("expected the configuration to be refused");
}

describe("parseConfig", () => {
  it("gives embedded-mode defaults with an empty environment", () => {
    const config = parseConfig({}, "/srv");
    assert.equal(config.baseUrl, "http://localhost:3000");
    assert.equal(config.http.port, 3000);
    assert.equal(config.http.host, "127.0.0.1", "embedded mode listens on loopback by default");
    assert.equal(config.dataDir, "/srv/.ctxpipe");
    assert.equal(config.database.url, undefined);
    assert.equal(config.database.migrateOnStart, true);
    assert.equal(config.authSecret, undefined);
    assert.deepEqual(config.allowedOrigins, ["http://localhost:3000"]);
  });

  it("accepts a complete external-database configuration", () => {
    const config = parseConfig(
      {
        DATABASE_URL: "postgres://u:p@db:5432/ctxpipe",
        AUTH_BASE_URL: "https://ctx.example.com/",
        CTXPIPE_PUBLIC_APP_URL: "https://ctx.example.com",
        AUTH_SECRET: SECRET,
        AUTH_ALLOWED_ORIGINS: "https://a.example.com, https://b.example.com:8443",
        CONNECTION_SECRETS_ENCRYPTION_KEY: "ab".repeat(32),
        PORT: "8080",
        CTXPIPE_DATA_DIR: "/var/lib/ctxpipe",
      },
      "/srv",
    );
    assert.equal(config.baseUrl, "https://ctx.example.com");
    assert.deepEqual(config.allowedOrigins, ["https://ctx.example.com", "https://a.example.com", "https://b.example.com:8443"]);
    assert.equal(config.encryptionKey?.length, 32);
    assert.equal(config.database.migrateOnStart, false);
    assert.equal(config.http.port, 8080);
    assert.equal(config.http.host, "0.0.0.0");
    assert.equal(config.dataDir, "/var/lib/ctxpipe");
  });

  it("requires AUTH_BASE_URL and AUTH_SECRET with DATABASE_URL", () => {
    const problems = problemsOf({ DATABASE_URL: "postgres://u:p@db/ctxpipe" });
    assert.ok(problems.some((p) => p.startsWith("AUTH_BASE_URL: required when DATABASE_URL is set")));
    assert.ok(problems.some((p) => p.startsWith("AUTH_SECRET: required when DATABASE_URL is set")));
  });

  it("requires AUTH_SECRET in production even when embedded", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    assert.deepEqual(
      problems.map((p) => p.split(":")[0]),
      ["AUTH_SECRET"],
    );
  });

  it("refuses a CTXPIPE_PUBLIC_APP_URL that differs from AUTH_BASE_URL", () => {
    const problems = problemsOf({ AUTH_BASE_URL: "https://ctx.example.com", CTXPIPE_PUBLIC_APP_URL: "https://other.example.com" });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /^CTXPIPE_PUBLIC_APP_URL: must equal the AUTH_BASE_URL origin \(https:\/\/ctx\.example\.com\)/);
  });

  it("refuses a wildcard or malformed allowed origin", () => {
    const problems = problemsOf({ AUTH_ALLOWED_ORIGINS: "*, ftp://x.example.com, https://ok.example.com" });
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? "", /"\*" is not allowed/);
    assert.match(problems[1] ?? "", /ftp:\/\/x\.example\.com" is not an http\(s\) origin/);
  });

  it("names every bad variable in one error", () => {
    const problems = problemsOf({
      PORT: "eighty",
      AUTH_SECRET: "short",
      CONNECTION_SECRETS_ENCRYPTION_KEY: "xyz",
      DATABASE_URL: "mysql://db",
      AUTH_BASE_URL: "https://ctx.example.com/app",
      LOG_LEVEL: "loud",
      CTXPIPE_HTTP_BODY_LIMIT_BYTES: "10",
    });
    const keys = problems.map((p) => p.split(":")[0]).sort();
    assert.deepEqual(keys, [
      "AUTH_BASE_URL",
      "AUTH_SECRET",
      "CONNECTION_SECRETS_ENCRYPTION_KEY",
      "CTXPIPE_HTTP_BODY_LIMIT_BYTES",
      "DATABASE_URL",
      "LOG_LEVEL",
      "PORT",
    ]);
    const message = new ConfigError(problems).message;
    for (const key of keys) assert.ok(message.includes(`  - ${key}:`), `${key} missing from message`);
  });

  it("parses AUTH_SIGN_UP: first user by default, open, invite-only, domains", () => {
    assert.deepEqual(parseConfig({}, "/srv").signUp, { mode: "first-user" });
    assert.deepEqual(parseConfig({ AUTH_SIGN_UP: "open" }, "/srv").signUp, { mode: "open" });
    assert.deepEqual(parseConfig({ AUTH_SIGN_UP: "Invite-Only" }, "/srv").signUp, { mode: "invite-only" });
    assert.deepEqual(parseConfig({ AUTH_SIGN_UP: "domains:Example.com, @example.org,example.com" }, "/srv").signUp, {
      mode: "domains",
      domains: ["example.com", "example.org"],
    });
    assert.match(problemsOf({ AUTH_SIGN_UP: "everyone" }).join(), /AUTH_SIGN_UP: must be open, invite-only or domains:<list>/);
    assert.match(problemsOf({ AUTH_SIGN_UP: "domains:" }).join(), /AUTH_SIGN_UP: list at least one domain/);
    assert.match(problemsOf({ AUTH_SIGN_UP: "domains:example.com,*.evil" }).join(), /AUTH_SIGN_UP: not a domain: \*\.evil/);
  });

  it("treats empty strings as unset", () => {
    const config = parseConfig({ DATABASE_URL: "", AUTH_SECRET: "", AUTH_BASE_URL: "", PORT: "", HOST: "", LOG_LEVEL: "" }, "/srv");
    assert.equal(config.database.url, undefined);
    assert.equal(config.http.port, 3000);
    assert.equal(config.logLevel, "info");
  });

  it("confines local repositories to a root outside the data directory", () => {
    assert.deepEqual(problemsOf({ CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true" }), [
      "CTXPIPE_LOCAL_REPOSITORIES_ROOT: required when CTXPIPE_ALLOW_LOCAL_REPOSITORIES=true (the directory that holds the local repositories)",
    ]);
    for (const root of ["/srv/.ctxpipe", ".ctxpipe/repos", "/srv/.ctxpipe/x/.."]) {
      assert.match(
        problemsOf({ CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true", CTXPIPE_LOCAL_REPOSITORIES_ROOT: root })[0] ?? "",
        /^CTXPIPE_LOCAL_REPOSITORIES_ROOT: must not be the data directory or inside it \(\/srv\/\.ctxpipe\)/,
        root,
      );
    }
    const config = parseConfig({ CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true", CTXPIPE_LOCAL_REPOSITORIES_ROOT: "checkouts" }, "/srv");
    assert.deepEqual([config.repositories.allowLocal, config.repositories.localRoot], [true, "/srv/checkouts"]);
  });

  it("reads the job queue's timings: production defaults, short ones for tests, the heartbeat below the stale limit", () => {
    assert.deepEqual(parseConfig({}, "/srv").jobs, { superviseSeconds: 10, monitorSeconds: 10, retryDelaySeconds: undefined, workerHeartbeatSeconds: 10 });
    const short = parseConfig(
      { CTXPIPE_JOB_SUPERVISE_SECONDS: "1", CTXPIPE_JOB_MONITOR_SECONDS: "1", CTXPIPE_JOB_RETRY_DELAY_SECONDS: "0", CTXPIPE_WORKER_HEARTBEAT_SECONDS: "2" },
      "/srv",
    );
    assert.deepEqual(short.jobs, { superviseSeconds: 1, monitorSeconds: 1, retryDelaySeconds: 0, workerHeartbeatSeconds: 2 });
    // A stale limit under the default period stays accepted, as before the variable existed.
    assert.equal(parseConfig({ CTXPIPE_WORKER_STALE_SECONDS: "5" }, "/srv").workerStaleSeconds, 5);
    assert.deepEqual(
      problemsOf({ CTXPIPE_JOB_SUPERVISE_SECONDS: "0", CTXPIPE_WORKER_HEARTBEAT_SECONDS: "30" })
        .map((p) => p.split(":")[0])
        .sort(),
      ["CTXPIPE_JOB_SUPERVISE_SECONDS", "CTXPIPE_WORKER_HEARTBEAT_SECONDS"],
    );
  });

  it("defaults the embedded origin to the configured port", () => {
    assert.equal(parseConfig({ PORT: "4000" }, "/srv").baseUrl, "http://localhost:4000");
  });

  it("needs neither a public origin nor a secret for maintenance commands", () => {
    const config = parseConfig({ DATABASE_URL: "postgres://u:p@db/ctxpipe" }, "/srv", "maintenance");
    assert.equal(config.database.url, "postgres://u:p@db/ctxpipe");
    assert.throws(() => parseConfig({ DATABASE_URL: "postgres://u:p@db/ctxpipe" }, "/srv", "roles"), ConfigError);
  });

  it("reads the model provider: off without a model name, tiers filled in, problems named", () => {
    assert.equal(parseConfig({}, "/srv").model, undefined);
    assert.deepEqual(parseConfig({}, "/srv").chat, { maxSteps: 8, maxInputTokens: 120_000, maxOutputTokens: 2000, timeoutMs: 120_000 });
    assert.equal(problemsOf({ CTXPIPE_CHAT_MAX_STEPS: "0" })[0]?.startsWith("CTXPIPE_CHAT_MAX_STEPS:"), true);
    const model = parseConfig({ MODEL_PROVIDER_URL: "http://localhost:11434/v1/", MODEL_MEDIUM_NAME: "qwen3" }, "/srv").model;
    assert.deepEqual(model, {
      provider: "openai-compatible",
      url: "http://localhost:11434/v1",
      apiKey: undefined,
      names: { fast: "qwen3", medium: "qwen3", high: "qwen3" },
    });
    assert.deepEqual(
      parseConfig({ MODEL_PROVIDER: "anthropic", MODEL_PROVIDER_API_KEY: "k", MODEL_FAST_NAME: "haiku", MODEL_HIGH_NAME: "opus" }, "/srv").model?.names,
      {
        fast: "haiku",
        medium: "haiku",
        high: "opus",
      },
    );
    assert.deepEqual(problemsOf({ MODEL_PROVIDER: "anthropic", MODEL_MEDIUM_NAME: "sonnet" }), [
      "MODEL_PROVIDER_API_KEY: required for MODEL_PROVIDER=anthropic",
    ]);
    assert.deepEqual(problemsOf({ MODEL_MEDIUM_NAME: "m" }), ["MODEL_PROVIDER_URL: required for MODEL_PROVIDER=openai-compatible"]);
    assert.deepEqual(problemsOf({ MODEL_PROVIDER_URL: "https://u:secret@llm.example.com/v1", MODEL_MEDIUM_NAME: "m" }), [
      "MODEL_PROVIDER_URL: must not hold credentials; put the key in MODEL_PROVIDER_API_KEY",
    ]);
    assert.deepEqual(problemsOf({ MODEL_PROVIDER_URL: "https://llm.example.com/v1" }), [
      "MODEL_MEDIUM_NAME: set a model name (MODEL_FAST_NAME, MODEL_MEDIUM_NAME or MODEL_HIGH_NAME) to use the model provider",
    ]);
    assert.equal(problemsOf({ MODEL_PROVIDER: "gemini", MODEL_MEDIUM_NAME: "m" })[0]?.startsWith("MODEL_PROVIDER:"), true);
  });

  it("reads the embedding model: off by default, the chat provider's URL and key by default, problems named", () => {
    assert.equal(parseConfig({}, "/srv").embedding, undefined);
    assert.equal(parseConfig({ MODEL_PROVIDER_URL: "http://llm:11434/v1", MODEL_MEDIUM_NAME: "qwen3" }, "/srv").embedding, undefined);
    // Embeddings only: the provider's URL serves them, no chat model needed.
    const embedding = parseConfig(
      { MODEL_PROVIDER_URL: "http://llm:11434/v1/", MODEL_PROVIDER_API_KEY: "k", MODEL_EMBEDDING_NAME: "nomic-embed-text", MODEL_EMBEDDING_DIMENSIONS: "768" },
      "/srv",
    );
    assert.equal(embedding.model, undefined);
    assert.deepEqual(embedding.embedding, {
      provider: "openai-compatible",
      url: "http://llm:11434/v1",
      apiKey: "k",
      name: "nomic-embed-text",
      dimensions: 768,
      sendDimensions: true,
      pricePerMillionTokens: undefined,
      batchSize: 64,
      maxChunksPerBlob: 4,
      maxInputChars: 6_000,
      dailyTokensPerOrg: 20_000_000,
      requestRetries: 3,
      queryTimeoutMs: 3_000,
    });
    const own = parseConfig(
      {
        MODEL_PROVIDER: "anthropic",
        MODEL_PROVIDER_API_KEY: "anthropic-key",
        MODEL_MEDIUM_NAME: "sonnet",
        MODEL_EMBEDDING_PROVIDER: "openai-compatible",
        MODEL_EMBEDDING_PROVIDER_URL: "https://api.openai.com/v1",
        MODEL_EMBEDDING_PROVIDER_API_KEY: "openai-key",
        MODEL_EMBEDDING_NAME: "text-embedding-3-small",
        MODEL_EMBEDDING_DIMENSIONS: "512",
        MODEL_EMBEDDING_SEND_DIMENSIONS: "false",
        MODEL_EMBEDDING_PRICE_PER_MILLION_TOKENS: "0.02",
      },
      "/srv",
    ).embedding;
    assert.equal(own?.apiKey, "openai-key", "never the chat provider's key for another provider");
    assert.equal(own?.sendDimensions, false);
    assert.equal(own?.pricePerMillionTokens, 0.02);
    assert.deepEqual(
      problemsOf({
        MODEL_PROVIDER: "anthropic",
        MODEL_PROVIDER_API_KEY: "k",
        MODEL_MEDIUM_NAME: "m",
        MODEL_EMBEDDING_NAME: "e",
        MODEL_EMBEDDING_DIMENSIONS: "8",
      }),
      ["MODEL_EMBEDDING_PROVIDER: Anthropic offers no embedding model; name the embedding provider (openai-compatible, azure, bedrock, openrouter)"],
    );
    assert.deepEqual(problemsOf({ MODEL_PROVIDER_URL: "http://llm/v1", MODEL_EMBEDDING_NAME: "e" }), [
      "MODEL_EMBEDDING_DIMENSIONS: required with MODEL_EMBEDDING_NAME (the length of the model's vectors, e.g. 1536)",
    ]);
    assert.deepEqual(problemsOf({ MODEL_EMBEDDING_DIMENSIONS: "768" }), [
      "MODEL_EMBEDDING_NAME: set the embedding model's name to use the other MODEL_EMBEDDING_* settings",
    ]);
    assert.equal(
      problemsOf({ MODEL_PROVIDER_URL: "http://llm/v1", MODEL_EMBEDDING_NAME: "e", MODEL_EMBEDDING_DIMENSIONS: "5000" })[0]?.startsWith(
        "MODEL_EMBEDDING_DIMENSIONS:",
      ),
      true,
    );
  });
});
