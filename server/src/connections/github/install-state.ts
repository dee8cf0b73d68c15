/**
 * The `state` that travels through GitHub's install page and back to the setup URL: which
 * connection, organisation and admin started the installation, until when. Signed with a key
 * derived from AUTH_SECRET (HMAC-SHA256), so a setup request cannot bind an installation to a
 * connection nobody asked it for. The payload is readable (the web app takes the org and
 * connection from it); only the server can make or check the signature.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "../../platform/errors.js";

/** What the state carries. */
export interface InstallState {
  /** `install`: binding an installation; `manifest`: creating the App from a manifest. */
  purpose: "install" | "manifest";
  connectionId: string;
  orgSlug: string;
  userId: string;
  /** Expiry, in milliseconds since the epoch. */
  expiresAt: number;
  /** The manifest flow's API URL (GitHub Enterprise Server), when not the default. */
  apiUrl?: string;
}

/** How long an install link stays valid. */
export const INSTALL_STATE_TTL_MS = 60 * 60_000;

const keyOf = (authSecret: string) => createHmac("sha256", authSecret).update("ctxpipe/github-install-state/v1").digest();

/** Signs `state`: `<base64url JSON>.<base64url HMAC>`. */
export function signInstallState(authSecret: string, state: InstallState): string {
  const payload = Buffer.from(
    JSON.stringify({ p: state.purpose, c: state.connectionId, o: state.orgSlug, u: state.userId, e: state.expiresAt, a: state.apiUrl }),
  ).toString("base64url");
  const mac = createHmac("sha256", keyOf(authSecret)).update(payload).digest("base64url");
  return `${payload}.${mac}`;
}

/**
 * Checks the signature and expiry of `raw`.
 * @throws invalid_install_state (400) when it was not made here, was altered or has expired.
 */
export function verifyInstallState(authSecret: string, raw: string, purpose: InstallState["purpose"], now = Date.now()): InstallState {
  const invalid = (why: string) =>
    new AppError("invalid_install_state", 400, `The installation link ${why}; start the installation again from ctxpipe.`, { expose: true });
  const [payload, mac, extra] = raw.split(".");
  if (!payload || !mac || extra !== undefined || raw.length > 1000) throw invalid("is not valid");
  const expected = createHmac("sha256", keyOf(authSecret)).update(payload).digest();
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid("is not valid");
  let parsed: { p?: unknown; c?: unknown; o?: unknown; u?: unknown; e?: unknown; a?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw invalid("is not valid");
  }
  const { p, c, o, u, e, a } = parsed;
  if (p !== purpose || typeof c !== "string" || typeof o !== "string" || typeof u !== "string" || typeof e !== "number") throw invalid("is not valid");
  if (e < now) throw invalid("has expired");
  return { purpose, connectionId: c, orgSlug: o, userId: u, expiresAt: e, ...(typeof a === "string" ? { apiUrl: a } : {}) };
}
