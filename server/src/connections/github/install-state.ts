/**
 * The `state` that travels through GitHub's install page and back to the setup URL: which
 * connection, organisation and admin started the installation, until when. Signed with a key
 * derived from AUTH_SECRET (HMAC-SHA256), so a setup request cannot bind an installation to a
 * connection nobody asked it for. The payload is readable (the web app takes the org and
 * connection from it); only the server can make or check the signature. The envelope is
 * platform/signed-state.ts's; the claims and the error are this flow's.
 */
import { AppError } from "../../platform/errors.js";
import { signState, verifyState } from "../../platform/signed-state.js";

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

/** The signing purpose of both GitHub flows (they differ by the `p` claim). */
const PURPOSE = "ctxpipe/github-install-state/v1";

/** Signs `state`: `<base64url JSON>.<base64url HMAC>`, JSON `{ p, c, o, u, e, a? }`. */
export function signInstallState(authSecret: string, state: InstallState): string {
  return signState(authSecret, PURPOSE, { p: state.purpose, c: state.connectionId, o: state.orgSlug, u: state.userId, e: state.expiresAt, a: state.apiUrl });
}

/**
 * Checks the signature and expiry of `raw`.
 * @throws invalid_install_state (400) when it was not made here, was altered or has expired.
 */
export function verifyInstallState(authSecret: string, raw: string, purpose: InstallState["purpose"], now = Date.now()): InstallState {
  const invalid = (why: string) =>
    new AppError("invalid_install_state", 400, `The installation link ${why}; start the installation again from ctxpipe.`, { expose: true });
  const checked = verifyState(authSecret, PURPOSE, raw, now);
  if (!checked.ok) throw invalid(checked.reason === "expired" ? "has expired" : "is not valid");
  const { p, c, o, u, e, a } = checked.claims;
  if (p !== purpose || typeof c !== "string" || typeof o !== "string" || typeof u !== "string") throw invalid("is not valid");
  return { purpose, connectionId: c, orgSlug: o, userId: u, expiresAt: e, ...(typeof a === "string" ? { apiUrl: a } : {}) };
}
