/**
 * Where the browser goes after sign-in, checked without the network or React: a file of its
 * own, with no imports, so the server's tests can import it as it is.
 */

/**
 * Where to go after sign-in: `raw` when it is a path on this origin, else "/". Resolved with
 * the URL parser, as the browser will, so `/\t/evil.example` (the tab is stripped, leaving
 * `//evil.example`) and `/\evil.example` are refused. The resolved path must not start with
 * `//` or `/\` either: `/.//evil.example` resolves to the path `//evil.example` on this origin,
 * which the browser would then read as another host.
 */
export function safeNext(raw: string | null, origin: string): string {
  if (!raw?.startsWith("/")) return "/";
  try {
    const url = new URL(raw, origin);
    if (url.origin !== origin || url.pathname.startsWith("//") || url.pathname.startsWith("/\\")) return "/";
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return "/";
  }
}
