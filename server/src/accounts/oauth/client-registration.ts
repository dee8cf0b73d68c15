/**
 * Dynamic client registration as MCP clients really send it. RFC 7591 defaults
 * `application_type` to "web", whose redirect URIs must be https on a public host; MCP
 * clients are native apps that often omit the field (Claude Code, VS Code: loopback http) or
 * even send "web" with a loopback or custom-scheme callback. Such a registration can only be
 * valid as a native client (RFC 8252), so it is registered as one: PKCE stays mandatory and
 * Better Auth's native redirect rules still apply.
 *
 * Names are self-asserted: `client_name` is bounded (MAX_CLIENT_NAME_LENGTH) and the consent
 * page shows it as unverified.
 */
import { AppError } from "../../platform/errors.js";

/** Longest `client_name` a registration may carry (the consent page shows it whole). */
export const MAX_CLIENT_NAME_LENGTH = 100;

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** True when `uri` could be a web client's redirect URI (https on a non-loopback host). */
function isWebRedirect(uri: unknown): boolean {
  if (typeof uri !== "string") return true;
  try {
    const url = new URL(uri);
    return url.protocol === "https:" && !LOOPBACK_HOST.test(url.hostname);
  } catch {
    return true;
  }
}

/**
 * The registration body with `application_type: "native"` when it is missing or "web" but a
 * redirect URI rules out a web client; any other body is returned unchanged.
 */
export function preferNativeClient(body: unknown): unknown {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const metadata = body as { application_type?: unknown; redirect_uris?: unknown };
  if (metadata.application_type !== undefined && metadata.application_type !== "web") return body;
  if (!Array.isArray(metadata.redirect_uris) || metadata.redirect_uris.every(isWebRedirect)) return body;
  return { ...metadata, application_type: "native" };
}

/**
 * Refuses registration metadata ctxpipe will not show: a `client_name` that is not a string of
 * at most MAX_CLIENT_NAME_LENGTH characters. Returns the body unchanged otherwise.
 * @throws AppError invalid_client_metadata (400, the RFC 7591 error code).
 */
export function checkClientMetadata(body: unknown): unknown {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const name = (body as { client_name?: unknown }).client_name;
  if (name === undefined) return body;
  if (typeof name !== "string" || name.length > MAX_CLIENT_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new AppError("invalid_client_metadata", 400, `client_name must be a single line of at most ${MAX_CLIENT_NAME_LENGTH} characters.`, {
      details: { fields: [{ path: "client_name", message: `at most ${MAX_CLIENT_NAME_LENGTH} characters, one line` }] },
    });
  }
  return body;
}
