/**
 * An SSRF-safe fetch for calls to a code host's API (GitHub, Enterprise Server): every
 * connection's addresses are checked when it is made, inside undici's lookup, so a second
 * DNS answer cannot send a request to an internal address (rebinding). IP literals are checked
 * before the request (no lookup happens for them). Redirects are not followed (a 3xx is an answer), and every request
 * has a deadline. Hosts in the allow-list (CTXPIPE_GIT_ALLOWED_HOSTS) skip the address check:
 * an Enterprise Server on a private network, or a local fake in tests. undici (about 110
 * modules) is imported with the first request, not when the process starts.
 */
import dns from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import type { Agent } from "undici";
import { isForbiddenAddress, isHostAllowListed } from "../../repositories/index.js";

/** What the guard lets through. */
export interface OutboundPolicy {
  allowedHosts: readonly string[];
  /** Deadline of one request, in milliseconds. */
  timeoutMs: number;
}

/** Thrown when a host resolves to an address outbound requests may not use. */
export class ForbiddenAddressError extends Error {
  constructor(readonly host: string) {
    super(`The host ${host} resolves to an address ctxpipe may not call.`);
    this.name = "ForbiddenAddressError";
  }
}

function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, "", 4);
      const list = addresses as dns.LookupAddress[];
      if (!isHostAllowListed(hostname, policy.allowedHosts) && (list.length === 0 || list.some((a) => isForbiddenAddress(a.address)))) {
        return callback(new ForbiddenAddressError(hostname), "", 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/**
 * A fetch bound to `policy`. Its own connection pool; requests carry the policy's deadline.
 * @throws ForbiddenAddressError (also as the cause of a TypeError from undici).
 */
export function createOutboundFetch(policy: OutboundPolicy): typeof fetch {
  let client: Promise<{ agent: Agent; undiciFetch: typeof import("undici").fetch }> | undefined;
  const connect = async () => {
    const undici = await import("undici");
    const agent = new undici.Agent({
      connect: { lookup: guardedLookup(policy), timeout: policy.timeoutMs },
      headersTimeout: policy.timeoutMs,
      bodyTimeout: policy.timeoutMs,
    });
    return { agent, undiciFetch: undici.fetch };
  };
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) && !isHostAllowListed(host, policy.allowedHosts) && isForbiddenAddress(host)) throw new ForbiddenAddressError(host);
    const signal = AbortSignal.any([AbortSignal.timeout(policy.timeoutMs), ...(init?.signal ? [init.signal] : [])]);
    client ??= connect();
    const { agent, undiciFetch } = await client;
    return undiciFetch(url, { ...(init as object), redirect: "manual", signal, dispatcher: agent } as never);
  }) as typeof fetch;
}
