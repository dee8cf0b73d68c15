/**
 * The HTTP calls the CLI makes to a ctxpipe instance: status, OAuth discovery (RFC 9728 and
 * RFC 8414), the device authorization grant (RFC 8628) with dynamic client registration
 * (RFC 7591), token revocation, GET /api/v1/me, and one MCP tools/list. Every call has a
 * timeout and a bounded response; errors are sentences that say what to fix. No token or key
 * is ever part of an error message.
 */

/** What /api/v1/me answers. */
export interface Me {
  user: { email: string; name: string };
  authType: string;
  orgs: { slug: string; name: string; role: string }[];
}

/** The authorisation server's endpoints we use. */
export interface AuthServer {
  issuer: string;
  registrationEndpoint?: string;
  deviceAuthorizationEndpoint?: string;
  tokenEndpoint?: string;
  revocationEndpoint?: string;
}

/** A device code to show the developer. */
export interface DeviceCode {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  expiresIn: number;
}

/** A failed call: `status` is the HTTP status, or undefined when the instance did not answer. */
export class InstanceError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 1_000_000;
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * The instance's public origin, normalised: `https://ctx.example.com` (no path, no trailing
 * slash). @throws Error for anything but an https origin (or http on localhost).
 */
export function normaliseOrigin(input: string): string {
  let url: URL;
  try {
    url = new URL(input.includes("://") ? input : `https://${input}`);
  } catch {
    throw new Error(`"${input}" is not a URL: pass the instance's public origin, like https://ctx.example.com.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`"${input}" is not an http(s) URL.`);
  if (url.username || url.password) throw new Error("The URL must not carry a user name or password.");
  // Keys and sign-ins travel in clear over http: only to this machine.
  if (url.protocol === "http:" && !["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) {
    throw new Error(`${url.origin} is plain http: use https (http is accepted for localhost only).`);
  }
  return url.origin;
}

/** The MCP endpoint of an organisation. */
export function mcpUrl(origin: string, orgSlug: string): string {
  return `${origin}/mcp?orgSlug=${encodeURIComponent(orgSlug)}`;
}

/** The calls against one instance. */
export function createInstanceClient(origin: string) {
  const request = async (url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> => {
    let res: Response;
    try {
      res = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      const cause = (err as Error).name === "TimeoutError" ? `no answer in ${TIMEOUT_MS / 1000} s` : networkCode(err);
      throw new InstanceError(`${origin} did not answer (${cause}): check the URL and that the instance is running.`);
    }
    const text = await readBounded(res);
    return { status: res.status, headers: res.headers, text };
  };
  const json = (text: string, what: string): Record<string, unknown> => {
    try {
      const value = JSON.parse(text) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {}
    throw new InstanceError(`${what} is not JSON: is ${origin} a ctxpipe instance (its public origin, AUTH_BASE_URL)?`);
  };
  const form = (fields: Record<string, string>): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(fields).toString(),
  });

  return {
    origin,

    /** GET /.status. */
    async status(): Promise<{ status: string; version?: string }> {
      const res = await request(`${origin}/.status`, { headers: { accept: "application/json" } });
      const body = json(res.text, `${origin}/.status`);
      return { status: String(body.status), version: typeof body.version === "string" ? body.version : undefined };
    },

    /** The MCP endpoint's protected-resource metadata (RFC 9728). */
    async protectedResource(): Promise<{ resource: string; authorizationServers: string[] }> {
      const res = await request(`${origin}/.well-known/oauth-protected-resource/mcp`, { headers: { accept: "application/json" } });
      if (res.status !== 200) throw new InstanceError(`The OAuth protected-resource metadata answered ${res.status}.`, res.status);
      const body = json(res.text, "The protected-resource metadata");
      const servers = Array.isArray(body.authorization_servers) ? body.authorization_servers.filter((s): s is string => typeof s === "string") : [];
      return { resource: String(body.resource ?? ""), authorizationServers: servers };
    },

    /** The authorisation server's metadata (RFC 8414), for an issuer on this origin. */
    async authServer(issuer: string): Promise<AuthServer> {
      const issuerUrl = new URL(issuer);
      if (issuerUrl.origin !== origin) throw new InstanceError(`The authorisation server ${issuer} is not on ${origin}.`);
      const path = issuerUrl.pathname === "/" ? "" : issuerUrl.pathname.replace(/\/$/, "");
      const res = await request(`${origin}/.well-known/oauth-authorization-server${path}`, { headers: { accept: "application/json" } });
      if (res.status !== 200) throw new InstanceError(`The OAuth authorisation server metadata answered ${res.status}.`, res.status);
      const body = json(res.text, "The authorisation server metadata");
      const endpoint = (key: string) => (typeof body[key] === "string" && sameOrigin(body[key] as string, origin) ? (body[key] as string) : undefined);
      return {
        issuer: String(body.issuer ?? ""),
        registrationEndpoint: endpoint("registration_endpoint"),
        deviceAuthorizationEndpoint: endpoint("device_authorization_endpoint") ?? `${issuer.replace(/\/$/, "")}/device/code`,
        tokenEndpoint: endpoint("token_endpoint"),
        revocationEndpoint: endpoint("revocation_endpoint"),
      };
    },

    /**
     * Signs in with the device authorization grant: registers a public client, shows the code
     * through `show`, and polls until the developer approves it in the browser.
     * @throws InstanceError when denied, expired or refused.
     */
    async deviceSignIn(server: AuthServer, show: (code: DeviceCode) => void, clientName: string): Promise<{ accessToken: string; clientId: string }> {
      if (!server.registrationEndpoint || !server.tokenEndpoint)
        throw new InstanceError("The instance does not offer OAuth client registration; use an API key (--auth api-key).");
      const registered = await request(server.registrationEndpoint, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          client_name: clientName,
          application_type: "native",
          token_endpoint_auth_method: "none",
          grant_types: [DEVICE_GRANT],
          response_types: [],
        }),
      });
      if (registered.status !== 201 && registered.status !== 200)
        throw new InstanceError(`Client registration answered ${registered.status}.`, registered.status);
      const clientId = String(json(registered.text, "The registration").client_id ?? "");
      const code = await request(server.deviceAuthorizationEndpoint!, form({ client_id: clientId, scope: "openid", resource: `${origin}/mcp` }));
      if (code.status !== 200) throw new InstanceError(`The device authorization endpoint answered ${code.status}.`, code.status);
      const device = json(code.text, "The device code");
      const deadline = Date.now() + Number(device.expires_in ?? 600) * 1000;
      let interval = Math.max(1, Number(device.interval ?? 5)) * 1000;
      show({
        userCode: String(device.user_code),
        verificationUri: String(device.verification_uri),
        verificationUriComplete: typeof device.verification_uri_complete === "string" ? device.verification_uri_complete : undefined,
        expiresIn: Number(device.expires_in ?? 600),
      });
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, interval));
        const token = await request(server.tokenEndpoint, form({ grant_type: DEVICE_GRANT, device_code: String(device.device_code), client_id: clientId }));
        const body = json(token.text, "The token response");
        if (token.status === 200 && typeof body.access_token === "string") return { accessToken: body.access_token, clientId };
        if (body.error === "authorization_pending") continue;
        if (body.error === "slow_down") {
          interval += 5000;
          continue;
        }
        if (body.error === "access_denied") throw new InstanceError("The sign-in was denied in the browser.");
        if (body.error === "expired_token") break;
        throw new InstanceError(`The token endpoint refused the device code (${String(body.error ?? token.status)}).`, token.status);
      }
      throw new InstanceError("The code expired before it was approved: run the command again.");
    },

    /** Revokes a token (best effort: the CLI keeps none). */
    async revoke(server: AuthServer, token: string, clientId: string): Promise<void> {
      if (!server.revocationEndpoint) return;
      await request(server.revocationEndpoint, form({ token, token_type_hint: "access_token", client_id: clientId })).catch(() => undefined);
    },

    /** GET /api/v1/me with a bearer credential (API key or OAuth access token). */
    async me(bearer: string): Promise<Me> {
      const res = await request(`${origin}/api/v1/me`, { headers: { accept: "application/json", authorization: `Bearer ${bearer}` } });
      if (res.status === 401) throw new InstanceError("The instance refused the credential: the API key is not valid, expired or revoked.", 401);
      if (res.status !== 200) throw new InstanceError(`GET /api/v1/me answered ${res.status}.`, res.status);
      return json(res.text, "GET /api/v1/me") as unknown as Me;
    },

    /**
     * One JSON-RPC tools/list against an organisation's MCP endpoint, with or without a bearer
     * credential. Answers the status, the WWW-Authenticate challenge and the tool names.
     */
    async mcpToolsList(orgSlug: string, bearer?: string): Promise<{ status: number; challenge?: string; tools: string[]; message?: string }> {
      const res = await request(mcpUrl(origin, orgSlug), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      const text = (res.headers.get("content-type") ?? "").includes("text/event-stream")
        ? (res.text
            .split("\n")
            .find((line) => line.startsWith("data:"))
            ?.slice(5) ?? "")
        : res.text;
      let body: { result?: { tools?: { name: string }[] }; error?: { message?: string } } = {};
      try {
        body = JSON.parse(text);
      } catch {}
      return {
        status: res.status,
        challenge: res.headers.get("www-authenticate") ?? undefined,
        tools: body.result?.tools?.map((t) => t.name) ?? [],
        message: body.error?.message,
      };
    },
  };
}

/** The client for one instance. */
export type InstanceClient = ReturnType<typeof createInstanceClient>;

/** The system error code behind a failed fetch (ECONNREFUSED, ENOTFOUND, ...). */
function networkCode(err: unknown): string {
  const cause = (err as { cause?: { code?: string; errors?: { code?: string }[]; message?: string } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (err as Error).message;
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new InstanceError("The instance's answer is larger than 1 MB: is the URL the instance's public origin?");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
