/**
 * Reads the `state` GitHub hands back to the setup page (an installation) or the manifest page
 * (an App created from a manifest): `<base64url JSON>.<mac>`, whose JSON is `{ p: purpose,
 * c: connectionId, o: orgSlug, u: userId, e: expiresAtMs, a?: apiUrl }` (server:
 * connections/github/install-state.ts). The payload is readable by design, so the page knows
 * which organisation and connection to finish; only the server checks the signature.
 */

/** What the state is for: binding an installation, or creating the App from a manifest. */
export type InstallStatePurpose = "install" | "manifest";

/** What the setup and manifest pages need from the state. */
export interface InstallStatePayload {
  connectionId: string;
  orgSlug: string;
  /** Expiry, in milliseconds since the epoch. */
  expiresAt: number;
}

/** Decodes base64url (padding optional) as UTF-8. */
function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
}

/**
 * The payload of `state`, or null when it is not one ctxpipe made for `purpose` (the signature
 * is not checked here). An install state may omit `p` (made before the purpose was marked).
 */
export function readInstallState(state: string, purpose: InstallStatePurpose = "install"): InstallStatePayload | null {
  const [payload, mac, extra] = state.split(".");
  if (!payload || !mac || extra !== undefined) return null;
  try {
    const { p, c, o, e } = JSON.parse(fromBase64Url(payload)) as { p?: unknown; c?: unknown; o?: unknown; e?: unknown };
    if (p !== purpose && !(purpose === "install" && p === undefined)) return null;
    if (typeof c !== "string" || !/^con_[a-z0-9]{20}$/.test(c)) return null;
    if (typeof o !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(o) || typeof e !== "number") return null;
    return { connectionId: c, orgSlug: o, expiresAt: e };
  } catch {
    return null;
  }
}
