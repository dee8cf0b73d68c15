/**
 * A signed, expiring, purpose-bound `state` for flows that leave through a third party's page
 * and come back (GitHub's install and App-manifest pages, Atlassian's consent page):
 * `<base64url JSON>.<base64url HMAC-SHA256>`. The MAC key is derived from AUTH_SECRET and the
 * purpose (`HMAC(AUTH_SECRET, purpose)`), so a state made for one purpose fails the signature
 * check of any other, and only this instance can make or check one. The JSON carries the
 * caller's short claims and `e`, the expiry in milliseconds since the epoch; it is readable
 * (not encrypted), so claims must be fit to show the browser that carries them.
 *
 * The checks here are the envelope's (size, shape, signature in constant time, expiry); what
 * the claims must be, and which error to answer, are the caller's. The GitHub install state
 * and the Atlassian OAuth state had this exact format before this module took them over, so a
 * state issued by an earlier release verifies after an upgrade (the test holds one of each).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The claims of a state: short keys, and `e`, its expiry in milliseconds since the epoch. */
export interface StateClaims {
  readonly e: number;
  readonly [claim: string]: unknown;
}

/** Longest state accepted, in characters (a URL parameter; real ones are under 400). */
export const MAX_STATE_LENGTH = 1000;

/** The outcome of checking a state: its claims, or why it was refused. */
export type StateCheck = { ok: true; claims: StateClaims } | { ok: false; reason: "invalid" | "expired" };

const keyOf = (authSecret: string, purpose: string) => createHmac("sha256", authSecret).update(purpose).digest();

/**
 * Signs `claims` for `purpose` (a versioned label such as `ctxpipe/github-install-state/v1`;
 * changing it invalidates every state in flight).
 */
export function signState(authSecret: string, purpose: string, claims: StateClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const mac = createHmac("sha256", keyOf(authSecret, purpose)).update(payload).digest("base64url");
  return `${payload}.${mac}`;
}

/**
 * Checks `raw` for `purpose`: `invalid` when it is over MAX_STATE_LENGTH, not two parts, not
 * signed here for this purpose, or not a JSON object with a numeric `e`; `expired` when `e` is
 * before `now`.
 */
export function verifyState(authSecret: string, purpose: string, raw: string, now = Date.now()): StateCheck {
  const [payload, mac, extra] = raw.split(".");
  if (!payload || !mac || extra !== undefined || raw.length > MAX_STATE_LENGTH) return { ok: false, reason: "invalid" };
  const expected = createHmac("sha256", keyOf(authSecret, purpose)).update(payload).digest();
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "invalid" };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "invalid" };
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return { ok: false, reason: "invalid" };
  const e = (claims as { e?: unknown }).e;
  if (typeof e !== "number") return { ok: false, reason: "invalid" };
  if (e < now) return { ok: false, reason: "expired" };
  return { ok: true, claims: claims as StateClaims };
}
