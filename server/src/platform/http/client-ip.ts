/**
 * Resolves the client IP once per request: the socket's peer address, or, behind N trusted
 * reverse proxies, the X-Forwarded-For entry that the outermost trusted proxy saw. Entries a
 * client wrote itself are never trusted.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env.js";

/** Picks the client address given the socket peer and X-Forwarded-For. */
export function resolveClientIp(peer: string, forwardedFor: string | undefined, trustedHops: number): string {
  if (trustedHops === 0 || !forwardedFor) return peer;
  const hops = forwardedFor
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  // Each trusted proxy appends the address it received from; the client is `trustedHops` from the end.
  return hops[hops.length - trustedHops] ?? hops[0] ?? peer;
}

/** Sets `clientIp` on the context. */
export function clientIp(trustedHops: number) {
  return createMiddleware<AppEnv>(async (c, next) => {
    let peer = "unknown";
    try {
      peer = getConnInfo(c).remote.address ?? "unknown";
    } catch {
      // app.request() in tests has no socket
    }
    c.set("clientIp", resolveClientIp(peer, c.req.header("x-forwarded-for"), trustedHops));
    await next();
  });
}
