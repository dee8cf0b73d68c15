/**
 * Structured JSON logging with pino. One root logger per process; modules take a child
 * (`logger.child({ module: "jobs" })`), requests and jobs add their ids. Secrets are
 * redacted by key, and connection strings are scrubbed from messages by `scrubSecrets`.
 */
import { pino, type Logger } from "pino";
import { traceIds } from "./telemetry/spans.js";

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear (one or two levels deep). */
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "password",
  "secret",
  "token",
  "accessToken",
  "refreshToken",
  "apiKey",
  "authSecret",
  "encryptionKey",
  "privateKey",
  "clientSecret",
  "webhookSecret",
  "connectionString",
  "databaseUrl",
  "credentials",
  "passphrase",
  "backupPassphrase",
];

const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers["${k}"]`, `*.headers["${k}"]`]);

/**
 * Replaces credentials inside URLs (`scheme://user:pass@host`) and bearer tokens in free text.
 * Used on error messages before they are logged or shown.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi, "$1$2:***@")
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)@/gi, "$1***@")
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, "$1***");
}

/** Serialises errors with scrubbed messages and stacks. */
function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out: Record<string, unknown> = {
    type: err.name,
    message: scrubSecrets(err.message),
    stack: err.stack ? scrubSecrets(err.stack) : undefined,
  };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (err.cause) out.cause = serializeError(err.cause);
  return out;
}

/** Creates the process's root logger. `destination` lets tests capture lines. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "ctxpipe" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: serializeError, error: serializeError },
      formatters: { level: (label) => ({ level: label }) },
      // Log lines inside a traced request or job carry its trace and span ids.
      mixin: traceIds,
    },
    destination,
  );
}

/** How log lines are written: JSON objects (for collectors) or short human lines. */
export type LogFormat = "json" | "text";

/**
 * A destination that turns pino's JSON lines into `HH:MM:SS LEVEL message key=value …` on
 * `stream`. Redaction has already happened: the JSON it reads is what json mode would write.
 */
export function textDestination(stream: { write(text: string): unknown }): pino.DestinationStream {
  return {
    write(line: string) {
      try {
        const { time, level, msg, service: _service, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const extras = Object.entries(rest)
          .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
          .join(" ");
        stream.write(
          `${String(time ?? "").slice(11, 19)} ${String(level ?? "")
            .toUpperCase()
            .padEnd(5)} ${String(msg ?? "")}${extras ? ` ${extras}` : ""}\n`,
        );
      } catch {
        stream.write(line);
      }
    },
  };
}
