/**
 * What every connection type shares: the public `con_…` id (GitHub and Confluence connections
 * draw from one id space, so one route parameter names either), and the path parameters of
 * the organisation's connection routes.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";

/** A new public connection id: `con_` and 20 base-36 characters (about 103 bits). */
export function newConnectionId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  const bytes = randomBytes(20);
  return `con_${[...bytes].map((b) => alphabet[b % 36]).join("")}`;
}

/** Path parameters of the organisation's connection routes. */
export const orgParams = z.object({ orgSlug: z.string() });
/** … and of one connection's. */
export const connectionParams = orgParams.extend({ connectionId: z.string().regex(/^con_[a-z0-9]{20}$/, "must be a connection id (con_…)") });
