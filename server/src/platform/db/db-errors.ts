/**
 * Recognises the errors that mean "the database cannot be reached right now" (refused or
 * dropped connections, a server shutting down or starting, a full pool) and turns them into
 * 503 `unavailable` with a Retry-After, instead of a 500 that hides a condition clients can
 * wait out.
 */
import { AppError } from "../errors.js";

/** SQLSTATE classes and codes of an unreachable or unready server. */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006"]);
/** Node socket errors of a refused, reset or unreachable connection. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** node-postgres messages that carry no code. */
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /connection error/i,
  /Client was closed and is not queryable/i,
  /Client has encountered a connection error and is not queryable/i,
];

/** Seconds a client is told to wait before retrying. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** True when `err` (or its cause) says the database is unreachable or not ready. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 3) return false;
  const { code, message, cause, errors } = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || SOCKET_CODES.has(code))) return true;
  if (typeof message === "string" && UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return true;
  // Node's connection attempts over several addresses fail with an AggregateError.
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

/** The 503 a client gets while the database is unavailable. */
export function databaseUnavailable(cause?: unknown): AppError {
  return new AppError("unavailable", 503, `The database is unavailable; try again in ${DATABASE_RETRY_AFTER_SECONDS} s.`, {
    expose: true,
    details: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
    cause,
  });
}

/**
 * True when `pool` answers a trivial query within `timeoutMs`. For errors that arrive
 * without their cause (a library that wraps database failures in its own 500): a failed
 * probe tells "the database is down" from "something else broke".
 */
export async function databaseAnswers(pool: { query(sql: string): Promise<unknown> }, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([
      pool.query("select 1").then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
