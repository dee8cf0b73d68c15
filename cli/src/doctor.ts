/**
 * `ctxpipe-connect doctor`: checks, from the developer's machine, what an agent needs: the
 * instance answers at its public origin, OAuth discovery points back at it, the MCP endpoint
 * challenges for credentials the way agents expect, the API key in CTXPIPE_API_KEY (if any)
 * works, and which agents' configurations name this instance. Each failed check says what to
 * fix. Nothing is written.
 */
import fs from "node:fs/promises";
import { AGENTS, API_KEY_ENV, configFile, findEntry } from "./agent-configs.js";
import { createInstanceClient, type InstanceClient, mcpUrl, normaliseOrigin } from "./instance.js";

/** One check's outcome. */
export interface Check {
  name: "instance" | "oauth-discovery" | "mcp-endpoint" | "api-key" | "agent-configs";
  status: "ok" | "failed" | "skipped";
  detail: string;
  /** What to do, when failed or skipped. */
  fix?: string;
}

/** The flags of `doctor`. */
export interface DoctorOptions {
  url: string;
  org?: string;
  name: string;
  projectDir: string;
  home: string;
}

/** Runs every check; a check that cannot run because an earlier one failed is skipped. */
export async function runDoctor(options: DoctorOptions, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const origin = normaliseOrigin(options.url);
  const client = createInstanceClient(origin);
  const checks: Check[] = [];
  const instance = await checkInstance(client);
  checks.push(instance);
  if (instance.status !== "ok") {
    for (const name of ["oauth-discovery", "mcp-endpoint", "api-key"] as const)
      checks.push({ name, status: "skipped", detail: "The instance did not answer." });
  } else {
    checks.push(await checkDiscovery(client));
    checks.push(await checkMcpEndpoint(client, options.org));
    checks.push(await checkApiKey(client, options.org, env[API_KEY_ENV]));
  }
  checks.push(await checkConfigs(origin, options));
  return checks;
}

async function checkInstance(client: InstanceClient): Promise<Check> {
  try {
    const status = await client.status();
    if (status.status === "ok")
      return { name: "instance", status: "ok", detail: `${client.origin} is up${status.version ? ` (version ${status.version})` : ""}.` };
    return {
      name: "instance",
      status: "failed",
      detail: `${client.origin}/.status says "${status.status}".`,
      fix: "Ask the operator: `ctxpipe doctor` on the server says what is wrong.",
    };
  } catch (err) {
    return { name: "instance", status: "failed", detail: (err as Error).message, fix: "Pass --url the instance's public origin (its AUTH_BASE_URL)." };
  }
}

async function checkDiscovery(client: InstanceClient): Promise<Check> {
  const expected = `${client.origin}/mcp`;
  try {
    const resource = await client.protectedResource();
    if (resource.resource !== expected) {
      return {
        name: "oauth-discovery",
        status: "failed",
        detail: `The MCP endpoint calls itself ${resource.resource}, not ${expected}.`,
        fix: "Agents will refuse its tokens: the operator sets AUTH_BASE_URL (and CTXPIPE_PUBLIC_APP_URL) to the origin you connect to.",
      };
    }
    const issuer = resource.authorizationServers[0];
    if (!issuer)
      return { name: "oauth-discovery", status: "failed", detail: "No authorisation server is named.", fix: "Use an API key (init --auth api-key)." };
    const server = await client.authServer(issuer);
    if (!server.tokenEndpoint || !server.registrationEndpoint) {
      return {
        name: "oauth-discovery",
        status: "failed",
        detail: `${issuer} lacks a token or registration endpoint.`,
        fix: "Use an API key (init --auth api-key).",
      };
    }
    return { name: "oauth-discovery", status: "ok", detail: `Agents find the authorisation server ${issuer} and can register and sign in.` };
  } catch (err) {
    return {
      name: "oauth-discovery",
      status: "failed",
      detail: (err as Error).message,
      fix: "Check that a proxy in front of the instance passes /.well-known/* through.",
    };
  }
}

async function checkMcpEndpoint(client: InstanceClient, org: string | undefined): Promise<Check> {
  if (!org) return { name: "mcp-endpoint", status: "skipped", detail: "No organisation given.", fix: "Pass --org <slug> to check its MCP endpoint." };
  try {
    const res = await client.mcpToolsList(org);
    if (res.status === 401 && res.challenge?.includes("resource_metadata=")) {
      return { name: "mcp-endpoint", status: "ok", detail: `${mcpUrl(client.origin, org)} asks for credentials and points agents at OAuth discovery.` };
    }
    return {
      name: "mcp-endpoint",
      status: "failed",
      detail: `Without credentials ${mcpUrl(client.origin, org)} answered ${res.status}${res.message ? ` (${res.message})` : ""}, not 401 with an OAuth challenge.`,
      fix: "A proxy may rewrite /mcp or strip WWW-Authenticate; agents need both as the instance sends them.",
    };
  } catch (err) {
    return { name: "mcp-endpoint", status: "failed", detail: (err as Error).message, fix: "Check that /mcp is routed to the instance." };
  }
}

async function checkApiKey(client: InstanceClient, org: string | undefined, key: string | undefined): Promise<Check> {
  if (!key) return { name: "api-key", status: "skipped", detail: `${API_KEY_ENV} is not set: agents using OAuth sign in themselves.` };
  try {
    const me = await client.me(key);
    const keyOrg = me.orgs[0]?.slug;
    if (!keyOrg)
      return {
        name: "api-key",
        status: "failed",
        detail: "The key belongs to no organisation you are still in.",
        fix: "Create a new key in Settings → API keys.",
      };
    if (org && org !== keyOrg)
      return { name: "api-key", status: "failed", detail: `The key belongs to "${keyOrg}", not "${org}".`, fix: `Use a key created in "${org}".` };
    const res = await client.mcpToolsList(keyOrg, key);
    if (res.status !== 200 || res.tools.length === 0) {
      return {
        name: "api-key",
        status: "failed",
        detail: `The MCP endpoint answered ${res.status}${res.message ? ` (${res.message})` : ""} with the key.`,
        fix: "Try again later, or ask the operator.",
      };
    }
    return { name: "api-key", status: "ok", detail: `The key works for "${keyOrg}" as ${me.user.email}: ${res.tools.length} tools.` };
  } catch (err) {
    return {
      name: "api-key",
      status: "failed",
      detail: (err as Error).message,
      fix: "Create a new key in Settings → API keys and export it as CTXPIPE_API_KEY.",
    };
  }
}

async function checkConfigs(origin: string, options: DoctorOptions): Promise<Check> {
  const found: string[] = [];
  const elsewhere: string[] = [];
  const broken: string[] = [];
  for (const agent of AGENTS) {
    for (const scope of ["project", "user"] as const) {
      const file = configFile(agent, scope, { project: options.projectDir, home: options.home });
      if (!file) continue;
      const text = await fs.readFile(file, "utf8").catch(() => undefined);
      if (text === undefined) continue;
      try {
        const entry = findEntry(agent, file, text, options.name);
        if (!entry?.url) continue;
        const url = entry.url.startsWith(`${origin}/mcp?`) ? found : elsewhere;
        url.push(`${agent} (${scope}: ${file})`);
      } catch (err) {
        broken.push((err as Error).message);
      }
    }
  }
  if (broken.length > 0)
    return { name: "agent-configs", status: "failed", detail: broken.join(" "), fix: "Fix the file, or run init for that agent after moving it aside." };
  if (found.length === 0) {
    return {
      name: "agent-configs",
      status: "failed",
      detail: `No agent configuration names ${origin}${elsewhere.length > 0 ? ` (other instances in ${elsewhere.join(", ")})` : ""}.`,
      fix: `Run: npx --yes ${origin}/downloads/ctxpipe-connect.tgz init --url ${origin}`,
    };
  }
  return { name: "agent-configs", status: "ok", detail: `Configured: ${found.join(", ")}.` };
}
