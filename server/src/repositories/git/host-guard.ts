/**
 * SSRF protection at clone time. A repository host is resolved (IP literals are checked as
 * they are) and refused if any address is loopback, private, link-local, CGNAT, unspecified,
 * multicast, reserved or a cloud metadata address, including IPv4 addresses embedded in
 * IPv6 (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002:wwxx:yyzz::/48`); the
 * local-use NAT64 prefix `64:ff9b:1::/48` (RFC 8215), whose translator is the operator's own,
 * and Teredo `2001::/32` are refused outright. Hosts in the allow-list (exact or
 * `*.suffix`, case-insensitive) skip the address check.
 *
 * The addresses returned by `checkHost` are what the clone must connect to: the git runner
 * pins them (`http.curloptResolve`, ssh `HostName`) so that a second DNS answer cannot
 * point the connection elsewhere (DNS rebinding).
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { GitError } from "./git-runner.js";
import { RepoUrlError } from "./repo-url.js";

const FORBIDDEN = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this network", incl. unspecified 0.0.0.0
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // CGNAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, incl. metadata 169.254.169.254
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, incl. broadcast
] as const) {
  FORBIDDEN.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["::", 96], // IPv4-compatible (deprecated)
  ["fc00::", 7], // unique local, incl. fd00:ec2::254 (AWS metadata)
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["64:ff9b:1::", 48], // local-use NAT64 (RFC 8215): a translator inside the operator's network
  ["2001::", 32], // Teredo: the embedded IPv4 is obfuscated and the relay is anyone's
] as const) {
  FORBIDDEN.addSubnet(net, prefix, "ipv6");
}

/** Expands an IPv6 address to eight 16-bit groups (handles `::` and a dotted IPv4 tail). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split("%")[0] ?? "";
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    const [a = 0, b = 0, c = 0, d = 0] = v4.split(".").map(Number);
    text = `${text.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The IPv4 address inside a NAT64 (64:ff9b::/96) address, if it is one. */
function nat64Embedded(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (g[0] !== 0x64 || g[1] !== 0xff9b || g.slice(2, 6).some((x) => x !== 0)) return undefined;
  const hi = g[6] ?? 0;
  const lo = g[7] ?? 0;
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
}

/** The IPv4 address inside a 6to4 (2002::/16) address, if it is one. */
function sixToFourEmbedded(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (g[0] !== 0x2002) return undefined;
  const hi = g[1] ?? 0;
  const lo = g[2] ?? 0;
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
}

/** True for addresses a clone must never connect to. `address` must be an IP literal. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return FORBIDDEN.check(address, "ipv4");
  if (family !== 6) return true;
  // BlockList also matches IPv4-mapped IPv6 (::ffff:a.b.c.d) against the IPv4 rules.
  if (FORBIDDEN.check(address, "ipv6")) return true;
  const embedded = nat64Embedded(address) ?? sixToFourEmbedded(address);
  return embedded !== undefined && FORBIDDEN.check(embedded, "ipv4");
}

/** True when `host` is in `allowedHosts` (exact, or `*.suffix` for its subdomains). */
export function isHostAllowListed(host: string, allowedHosts: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return allowedHosts.some((pattern) => {
    const p = pattern
      .trim()
      .toLowerCase()
      .replace(/^\[|\]$/g, "");
    if (p.startsWith("*.")) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
    return p !== "" && h === p;
  });
}

/**
 * Resolves `host` and checks every address.
 * @returns the checked addresses (for pinning); for an IP literal, just that literal.
 * @throws RepoUrlError("forbidden_address") for a refused address; GitError("unreachable")
 *   when the name does not resolve.
 */
export async function checkHost(host: string, allowedHosts: readonly string[]): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, "");
  const allowed = isHostAllowListed(bare, allowedHosts);
  let addresses: string[];
  if (isIP(bare)) {
    addresses = [bare];
  } else {
    try {
      addresses = (await lookup(bare, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new GitError("unreachable", `The host ${bare} could not be resolved.`);
    }
  }
  if (!allowed && (addresses.length === 0 || addresses.some(isForbiddenAddress))) {
    throw new RepoUrlError("forbidden_address", `The host ${bare} resolves to an address that repositories may not use.`);
  }
  return addresses;
}

/**
 * Refuses hosts that resolve to internal addresses unless allow-listed.
 * @throws RepoUrlError("forbidden_address") or GitError("unreachable").
 */
export async function assertHostAllowed(host: string, allowedHosts: string[]): Promise<void> {
  await checkHost(host, allowedHosts);
}
