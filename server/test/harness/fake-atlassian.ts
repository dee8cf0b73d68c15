/**
 * A local fake of the Atlassian Cloud endpoints a Confluence connection calls, with the
 * response shapes of Atlassian's published documentation: the OAuth 2.0 (3LO) consent redirect
 * and token endpoint (authorization_code and rotating refresh_token grants; a reused or revoked
 * refresh token answers 403 invalid_grant), accessible-resources, Confluence REST v2 spaces and
 * pages (cursor pagination through `_links.next`, storage-format bodies), and v1 read
 * restrictions and users. The test edits the site (add, edit, move, delete, restrict pages;
 * revoke the grant) and reads which page bodies were fetched.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A page of the fake site. */
export interface FakePage {
  id: string;
  title: string;
  spaceId: string;
  parentId: string | null;
  version: number;
  modifiedAt: string;
  authorId: string;
  body: string;
  restricted: boolean;
}

/** The fake and its controls. */
export interface FakeAtlassian {
  /** Base URL of both the auth server and the API gateway. */
  url: string;
  clientId: string;
  clientSecret: string;
  cloudId: string;
  siteUrl: string;
  spaces: { id: string; key: string; name: string; type: string }[];
  pages: Map<string, FakePage>;
  /** Page ids whose body was fetched, in order. */
  bodyFetches: string[];
  /** Page ids whose restrictions answer 500 (a transient failure). */
  failingRestrictions: Set<string>;
  addPage(page: Omit<FakePage, "version" | "modifiedAt"> & { version?: number }): FakePage;
  editPage(id: string, change: Partial<Pick<FakePage, "title" | "body" | "spaceId" | "parentId">>): void;
  revokeGrant(): void;
  /** Makes every access token expire now (the next call must refresh). */
  expireAccessTokens(): void;
  stop(): Promise<void>;
}

/** Starts the fake on a free port. */
export async function startFakeAtlassian(): Promise<FakeAtlassian> {
  const clientId = `client-${randomBytes(6).toString("hex")}`;
  const clientSecret = randomBytes(16).toString("hex");
  const cloudId = "11223344-a1b2-3b33-c444-def123456789";
  const codes = new Map<string, string>(); // code → redirect_uri
  const accessTokens = new Map<string, number>(); // token → expiry (ms)
  const refreshTokens = new Set<string>();
  const users: Record<string, string> = { "557058:alice": "Alice Example", "557058:bob": "Bob Example" };
  let clock = Date.parse("2026-11-01T09:00:00.000Z");
  const tick = () => new Date((clock += 60_000)).toISOString();

  const fake: FakeAtlassian = {
    url: "",
    clientId,
    clientSecret,
    cloudId,
    siteUrl: "https://acme.atlassian.net",
    spaces: [
      { id: "98305", key: "ENG", name: "Engineering", type: "global" },
      { id: "98306", key: "HR", name: "People", type: "global" },
    ],
    pages: new Map(),
    bodyFetches: [],
    failingRestrictions: new Set(),
    addPage(page) {
      const full: FakePage = { ...page, version: page.version ?? 1, modifiedAt: tick() };
      fake.pages.set(full.id, full);
      return full;
    },
    editPage(id, change) {
      const page = fake.pages.get(id)!;
      Object.assign(page, change, { version: page.version + 1, modifiedAt: tick() });
    },
    revokeGrant() {
      refreshTokens.clear();
      accessTokens.clear();
    },
    expireAccessTokens() {
      for (const token of accessTokens.keys()) accessTokens.set(token, 0);
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const issue = () => {
    const access = `at-${randomBytes(16).toString("hex")}`;
    const refresh = `rt-${randomBytes(16).toString("hex")}`;
    accessTokens.set(access, Date.now() + 3600_000);
    refreshTokens.add(refresh);
    return { access_token: access, refresh_token: refresh, expires_in: 3600, scope: "read:confluence-content.all offline_access", token_type: "Bearer" };
  };
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const authorised = (req: http.IncomingMessage) => {
    const token = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
    return (accessTokens.get(token) ?? 0) > Date.now();
  };
  /** One page of `items` from the cursor (an offset here), with Atlassian's `_links.next`. */
  const paged = <T>(items: T[], url: URL, path: string) => {
    const limit = Math.min(Number(url.searchParams.get("limit") ?? 25), 250);
    const offset = Number(Buffer.from(url.searchParams.get("cursor") ?? "MA", "base64url").toString() || 0);
    const results = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? `${path}?limit=${limit}&cursor=${Buffer.from(String(offset + limit)).toString("base64url")}` : undefined;
    return { results, _links: { ...(next ? { next } : {}), base: `${fake.siteUrl}/wiki` } };
  };
  const pageJson = (p: FakePage, withBody: boolean) => ({
    id: p.id,
    status: "current",
    title: p.title,
    spaceId: p.spaceId,
    parentId: p.parentId,
    parentType: p.parentId ? "page" : null,
    position: 0,
    authorId: p.authorId,
    ownerId: p.authorId,
    createdAt: "2026-10-01T09:00:00.000Z",
    version: { createdAt: p.modifiedAt, message: "", number: p.version, minorEdit: false, authorId: p.authorId },
    ...(withBody ? { body: { storage: { representation: "storage", value: p.body } } } : {}),
    _links: {
      webui: `/spaces/${fake.spaces.find((s) => s.id === p.spaceId)?.key}/pages/${p.id}/${p.title.replace(/ /g, "+")}`,
      editui: `/pages/resumedraft.action?draftId=${p.id}`,
      tinyui: `/x/${p.id}`,
    },
  });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    let raw = "";
    for await (const chunk of req) raw += chunk;
    // OAuth: the consent page (accepts at once) and the token endpoint.
    if (req.method === "GET" && url.pathname === "/authorize") {
      if (url.searchParams.get("client_id") !== clientId || url.searchParams.get("audience") !== "api.atlassian.com")
        return send(res, 400, { error: "invalid_request" });
      const code = randomBytes(12).toString("hex");
      const redirect = url.searchParams.get("redirect_uri")!;
      codes.set(code, redirect);
      const to = new URL(redirect);
      to.searchParams.set("code", code);
      to.searchParams.set("state", url.searchParams.get("state") ?? "");
      res.writeHead(302, { location: to.toString() });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/oauth/token") {
      const body = JSON.parse(raw || "{}") as Record<string, string>;
      if (body.client_id !== clientId || body.client_secret !== clientSecret)
        return send(res, 401, { error: "access_denied", error_description: "Unauthorized" });
      if (body.grant_type === "authorization_code") {
        if (!codes.has(body.code!) || codes.get(body.code!) !== body.redirect_uri)
          return send(res, 403, { error: "invalid_grant", error_description: "Invalid authorization code" });
        codes.delete(body.code!);
        return send(res, 200, issue());
      }
      if (body.grant_type === "refresh_token") {
        if (!refreshTokens.delete(body.refresh_token!))
          return send(res, 403, { error: "invalid_grant", error_description: "Unknown or invalid refresh token." });
        return send(res, 200, issue());
      }
      return send(res, 400, { error: "unsupported_grant_type" });
    }
    if (!authorised(req)) return send(res, 401, { code: 401, message: "Unauthorized; scope does not match" });
    if (req.method === "GET" && url.pathname === "/oauth/token/accessible-resources") {
      return send(res, 200, [
        {
          id: cloudId,
          url: fake.siteUrl,
          name: "acme",
          scopes: ["read:confluence-content.all", "read:confluence-space.summary"],
          avatarUrl: "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png",
        },
      ]);
    }
    const prefix = `/ex/confluence/${cloudId}`;
    if (!url.pathname.startsWith(prefix)) return send(res, 404, { errors: [{ status: 404, code: "NOT_FOUND", title: "Not Found" }] });
    const path = url.pathname.slice(prefix.length);
    let m: RegExpMatchArray | null;
    if (path === "/wiki/api/v2/spaces")
      return send(
        res,
        200,
        paged(
          fake.spaces.map((s) => ({ ...s, status: "current", homepageId: null })),
          url,
          path,
        ),
      );
    if ((m = path.match(/^\/wiki\/api\/v2\/spaces\/(\d+)\/pages$/))) {
      const list = [...fake.pages.values()].filter((p) => p.spaceId === m![1]).sort((a, b) => a.id.localeCompare(b.id));
      return send(
        res,
        200,
        paged(
          list.map((p) => pageJson(p, false)),
          url,
          path,
        ),
      );
    }
    if ((m = path.match(/^\/wiki\/api\/v2\/pages\/(\d+)$/))) {
      const page = fake.pages.get(m[1]!);
      if (!page) return send(res, 404, { errors: [{ status: 404, code: "NOT_FOUND", title: "Not Found" }] });
      fake.bodyFetches.push(page.id);
      return send(res, 200, pageJson(page, url.searchParams.get("body-format") === "storage"));
    }
    if ((m = path.match(/^\/wiki\/rest\/api\/content\/(\d+)\/restriction\/byOperation\/read$/))) {
      const page = fake.pages.get(m[1]!);
      if (!page) return send(res, 404, { statusCode: 404, message: "No content found with id" });
      if (fake.failingRestrictions.has(page.id)) return send(res, 500, { statusCode: 500, message: "Internal server error" });
      const user = page.restricted ? [{ type: "known", accountId: "557058:alice", displayName: "Alice Example" }] : [];
      return send(res, 200, {
        operation: "read",
        restrictions: { user: { results: user, start: 0, limit: 200, size: user.length }, group: { results: [], start: 0, limit: 200, size: 0 } },
        _expandable: { content: `/rest/api/content/${page.id}` },
        _links: { self: `${fake.siteUrl}/wiki/rest/api/content/${page.id}/restriction/byOperation/read`, base: `${fake.siteUrl}/wiki` },
      });
    }
    if (path === "/wiki/rest/api/user/bulk") {
      const ids = url.searchParams.getAll("accountId");
      return send(res, 200, {
        results: ids
          .filter((id) => users[id])
          .map((id) => ({ type: "known", accountId: id, accountType: "atlassian", displayName: users[id], publicName: users[id] })),
        start: 0,
        limit: 200,
        size: ids.length,
      });
    }
    return send(res, 404, { errors: [{ status: 404, code: "NOT_FOUND", title: "Not Found" }] });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
