/**
 * Where the sign-in pages send the browser next: the location an OAuth endpoint answers, and
 * the `next` parameter kept to paths on this origin. Pure and without imports, so the server's
 * tests (server/test/web/safe-next.test.ts) load it as it is.
 */

/** Where an OAuth endpoint sends the browser next (`{ url }` or `{ redirect_uri }`), if anywhere. */
export function nextLocation(body: unknown): string | undefined {
  const b = (body ?? {}) as { url?: unknown; redirect_uri?: unknown };
  if (typeof b.url === "string") return b.url;
  if (typeof b.redirect_uri === "string") return b.redirect_uri;
  return undefined;
}

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
