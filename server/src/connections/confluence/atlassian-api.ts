/**
 * The Atlassian Cloud calls a Confluence connection makes (OAuth 2.0 three-legged and the
 * Confluence REST API), through the SSRF-safe outbound fetch: the authorisation URL, the code
 * and refresh-token grants (refresh tokens rotate), accessible-resources (the sites a grant
 * reaches), spaces, the pages of a space (v2, cursor pages), one page's storage-format body,
 * a page's read restrictions and authors' display names (v1, which v2 does not offer).
 * Bounded: answers over 20 MB are refused, listings stop at MAX_PAGES_PER_SPACE (or at an empty
 * page that still links on), 429 and 503 are waited out (Retry-After, at most 30 s, three
 * times). Errors are AppErrors whose messages never carry a token or secret.
 */
import { AppError } from "../../platform/errors.js";

/** The read-only scopes the OAuth app needs (docs/confluence.md). */
export const ATLASSIAN_SCOPES = ["read:confluence-content.all", "read:confluence-space.summary", "read:confluence-user", "offline_access"];
/** Most pages listed in one space. */
export const MAX_PAGES_PER_SPACE = 20_000;
const MAX_ANSWER_BYTES = 20_000_000;

/** Tokens from a grant. */
export interface AtlassianTokens {
  accessToken: string;
  refreshToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** A site the grant reaches. */
export interface AtlassianSite {
  cloudId: string;
  url: string;
  name: string;
}

/** A space. */
export interface ConfluenceSpace {
  id: string;
  key: string;
  name: string;
  type: string;
}

/** A page as listed (no body). */
export interface ConfluencePageSummary {
  id: string;
  title: string;
  spaceId: string;
  parentId: string | null;
  version: number;
  /** The version's time: when the page was last modified. */
  modifiedAt: string;
  authorId: string | null;
  webui: string;
}

/** The refresh token was refused: the grant was revoked (or the token reused after rotation). */
export class GrantRevokedError extends AppError {
  constructor() {
    super(
      "atlassian_grant_revoked",
      409,
      "Atlassian refused the connection's refresh token: the access was revoked or expired. Connect the connection again.",
      { expose: true },
    );
  }
}

const failed = (what: string, status: number) =>
  new AppError("atlassian_failed", 502, `Atlassian answered ${status} to ${what}.`, { expose: true, details: { status } });

/** The Atlassian endpoints of one deployment (real ones, or a local fake in tests). */
export function createAtlassianApi(deps: { authUrl: string; apiUrl: string; fetch: typeof fetch }) {
  const call = async (url: string, init: RequestInit, what: string): Promise<{ status: number; body: unknown }> => {
    let res: Response;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await deps.fetch(url, { ...init, headers: { accept: "application/json", ...(init.headers as Record<string, string>) } });
      } catch (err) {
        throw new AppError("atlassian_unreachable", 502, `Atlassian could not be reached for ${what}.`, { expose: true, cause: err });
      }
      // Rate limited or briefly unavailable: wait as told (at most 30 s), three times at most.
      if ((res.status !== 429 && res.status !== 503) || attempt >= 3) break;
      await res.body?.cancel();
      const wait = Math.min(30, Math.max(1, Number(res.headers.get("retry-after")) || 2 ** attempt));
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
    const length = Number(res.headers.get("content-length") ?? 0);
    if (length > MAX_ANSWER_BYTES) throw new AppError("atlassian_failed", 502, `Atlassian's answer to ${what} is too large.`, { expose: true });
    const text = await res.text();
    if (text.length > MAX_ANSWER_BYTES) throw new AppError("atlassian_failed", 502, `Atlassian's answer to ${what} is too large.`, { expose: true });
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new AppError("atlassian_failed", 502, `Atlassian's answer to ${what} is not JSON.`, { expose: true });
    }
    return { status: res.status, body };
  };
  const grant = async (fields: Record<string, string>, what: string): Promise<AtlassianTokens> => {
    const { status, body } = await call(
      `${deps.authUrl}/oauth/token`,
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fields) },
      what,
    );
    const b = (body ?? {}) as { access_token?: string; refresh_token?: string; expires_in?: number; error?: string };
    if (fields.grant_type === "refresh_token" && (status === 401 || status === 403 || b.error === "invalid_grant")) throw new GrantRevokedError();
    if (status !== 200 || !b.access_token || !b.refresh_token) {
      if (b.error === "invalid_grant")
        throw new AppError("atlassian_invalid_code", 400, "Atlassian refused the authorisation code: start connecting again.", { expose: true });
      throw failed(what, status);
    }
    return { accessToken: b.access_token, refreshToken: b.refresh_token, expiresAt: Date.now() + (b.expires_in ?? 3600) * 1000 };
  };
  const get = async (url: string, token: string, what: string): Promise<unknown> => {
    const { status, body } = await call(url, { headers: { authorization: `Bearer ${token}` } }, what);
    // 502, not 401: the caller's own credentials were fine; the connection's token was not.
    if (status === 401) throw new AppError("atlassian_unauthorized", 502, `Atlassian refused the connection's access token for ${what}.`, { expose: true });
    if (status === 404) throw new AppError("atlassian_not_found", 404, `Atlassian has no ${what}.`, { expose: true });
    if (status !== 200) throw failed(what, status);
    return body;
  };
  const wiki = (cloudId: string) => `${deps.apiUrl}/ex/confluence/${encodeURIComponent(cloudId)}`;
  /** Follows `_links.next` (relative to the site's API base) until done or `max` items. */
  const paged = async <T>(cloudId: string, first: string, token: string, what: string, max: number): Promise<{ items: T[]; truncated: boolean }> => {
    const items: T[] = [];
    let next: string | undefined = first;
    while (next) {
      const body = (await get(`${wiki(cloudId)}${next}`, token, what)) as { results?: T[]; _links?: { next?: string } };
      const results = body.results ?? [];
      items.push(...results);
      if (items.length >= max) return { items: items.slice(0, max), truncated: true };
      // A page that adds nothing but points on would never end: stop, as cut short.
      if (results.length === 0 && body._links?.next) return { items, truncated: true };
      next = body._links?.next;
      if (next && !next.startsWith("/wiki/")) throw failed(`${what} (a next link outside the wiki)`, 200);
    }
    return { items, truncated: false };
  };

  return {
    /** Where the admin's browser goes to grant access. */
    authorizeUrl(input: { clientId: string; redirectUri: string; state: string }): string {
      const url = new URL(`${deps.authUrl}/authorize`);
      url.search = new URLSearchParams({
        audience: "api.atlassian.com",
        client_id: input.clientId,
        scope: ATLASSIAN_SCOPES.join(" "),
        redirect_uri: input.redirectUri,
        state: input.state,
        response_type: "code",
        prompt: "consent",
      }).toString();
      return url.toString();
    },
    exchangeCode: (input: { clientId: string; clientSecret: string; code: string; redirectUri: string }) =>
      grant(
        { grant_type: "authorization_code", client_id: input.clientId, client_secret: input.clientSecret, code: input.code, redirect_uri: input.redirectUri },
        "the authorisation code",
      ),
    refresh: (input: { clientId: string; clientSecret: string; refreshToken: string }) =>
      grant(
        { grant_type: "refresh_token", client_id: input.clientId, client_secret: input.clientSecret, refresh_token: input.refreshToken },
        "the refresh token",
      ),

    /** The Confluence sites the token reaches. */
    async sites(token: string): Promise<AtlassianSite[]> {
      const body = await get(`${deps.apiUrl}/oauth/token/accessible-resources`, token, "accessible resources");
      if (!Array.isArray(body)) throw failed("accessible resources", 200);
      return body
        .filter((r: { scopes?: string[] }) => (r.scopes ?? []).some((s) => s.includes("confluence")))
        .map((r: { id: string; url: string; name: string }) => ({ cloudId: String(r.id), url: String(r.url).replace(/\/+$/, ""), name: String(r.name) }));
    },

    /** The site's spaces (at most 1,000). */
    async spaces(token: string, cloudId: string): Promise<{ spaces: ConfluenceSpace[]; truncated: boolean }> {
      const { items, truncated } = await paged<{ id: string | number; key: string; name: string; type: string }>(
        cloudId,
        "/wiki/api/v2/spaces?limit=250&status=current",
        token,
        "spaces",
        1000,
      );
      return { spaces: items.map((s) => ({ id: String(s.id), key: s.key, name: s.name, type: s.type })), truncated };
    },

    /** The current pages of a space, without bodies. */
    async pages(token: string, cloudId: string, spaceId: string): Promise<{ pages: ConfluencePageSummary[]; truncated: boolean }> {
      type Raw = {
        id: string | number;
        title: string;
        spaceId: string | number;
        parentId?: string | number | null;
        authorId?: string;
        version?: { number: number; createdAt: string; authorId?: string };
        createdAt: string;
        _links?: { webui?: string };
      };
      const { items, truncated } = await paged<Raw>(
        cloudId,
        `/wiki/api/v2/spaces/${encodeURIComponent(spaceId)}/pages?limit=250&status=current`,
        token,
        "the pages of a space",
        MAX_PAGES_PER_SPACE,
      );
      return {
        pages: items.map((p) => ({
          id: String(p.id),
          title: p.title,
          spaceId: String(p.spaceId),
          parentId: p.parentId === undefined || p.parentId === null ? null : String(p.parentId),
          version: p.version?.number ?? 1,
          modifiedAt: p.version?.createdAt ?? p.createdAt,
          authorId: p.version?.authorId ?? p.authorId ?? null,
          webui: p._links?.webui ?? `/pages/${p.id}`,
        })),
        truncated,
      };
    },

    /** A page's storage-format body. */
    async pageBody(token: string, cloudId: string, pageId: string): Promise<string> {
      const body = (await get(`${wiki(cloudId)}/wiki/api/v2/pages/${encodeURIComponent(pageId)}?body-format=storage`, token, "a page")) as {
        body?: { storage?: { value?: string } };
      };
      return body.body?.storage?.value ?? "";
    },

    /** Whether the page itself has read (view) restrictions. */
    async readRestricted(token: string, cloudId: string, pageId: string): Promise<boolean> {
      const body = (await get(
        `${wiki(cloudId)}/wiki/rest/api/content/${encodeURIComponent(pageId)}/restriction/byOperation/read`,
        token,
        "a page's restrictions",
      )) as { restrictions?: { user?: { results?: unknown[] }; group?: { results?: unknown[] } } };
      return (body.restrictions?.user?.results?.length ?? 0) + (body.restrictions?.group?.results?.length ?? 0) > 0;
    },

    /** Display names by account id (unknown ids are left out). */
    async displayNames(token: string, cloudId: string, accountIds: string[]): Promise<Map<string, string>> {
      const names = new Map<string, string>();
      for (let i = 0; i < accountIds.length; i += 100) {
        const query = accountIds
          .slice(i, i + 100)
          .map((id) => `accountId=${encodeURIComponent(id)}`)
          .join("&");
        const body = (await get(`${wiki(cloudId)}/wiki/rest/api/user/bulk?${query}`, token, "users")) as {
          results?: { accountId: string; displayName?: string; publicName?: string }[];
        };
        for (const u of body.results ?? []) names.set(u.accountId, u.displayName ?? u.publicName ?? u.accountId);
      }
      return names;
    },
  };
}

/** The Atlassian API of a deployment. */
export type AtlassianApi = ReturnType<typeof createAtlassianApi>;
