/**
 * Each coding agent's MCP configuration file (ADR 010): where it lives at project or user
 * scope, and the file's new text with ctxpipe's server entry added or replaced, every other
 * server and setting left as it was. Pure: no file is read or written here. No secret is ever
 * written: an API key is referenced through the CTXPIPE_API_KEY environment variable, in each
 * format's own syntax.
 */
import path from "node:path";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";

/** The agents whose configuration we write. */
export const AGENTS = ["cursor", "claude-code", "vscode", "codex", "opencode"] as const;
export type Agent = (typeof AGENTS)[number];
export type Scope = "project" | "user";

/** The server entry to write. */
export interface ServerEntry {
  /** The entry's name in the file (default "ctxpipe"). */
  name: string;
  /** `{origin}/mcp?orgSlug=<slug>`. */
  url: string;
  /** OAuth (the agent signs in) or an API key read from CTXPIPE_API_KEY. */
  auth: "oauth" | "api-key";
}

/** What writing the entry would do to a file. */
export interface ConfigPlan {
  agent: Agent;
  file: string;
  action: "create" | "add" | "replace" | "unchanged";
  /** The file's new text. */
  text: string;
}

/** The environment variable the written configuration reads the API key from. */
export const API_KEY_ENV = "CTXPIPE_API_KEY";

/**
 * Agents whose OAuth sign-in does not work with ctxpipe, with the one-line reason: they are
 * always given the API-key entry. Cursor desktop's OAuth callback (`cursor://…`) is refused by
 * the server's sign-in library (better-auth issue 10946); the web app's Connect page says the same.
 */
export const OAUTH_UNSUPPORTED: Partial<Record<Agent, string>> = {
  cursor: "Cursor uses an API key: its OAuth callback (cursor://…) is refused by ctxpipe's sign-in library for now (better-auth issue 10946).",
};

/** How `agent` authenticates when `wanted` was asked for: API key when OAuth does not work for it. */
export function authFor(agent: Agent, wanted: ServerEntry["auth"]): ServerEntry["auth"] {
  return wanted === "oauth" && OAUTH_UNSUPPORTED[agent] ? "api-key" : wanted;
}

/** Where an agent keeps its configuration; undefined when the agent has none at that scope. */
export function configFile(agent: Agent, scope: Scope, dirs: { project: string; home: string; platform?: NodeJS.Platform }): string | undefined {
  const { project, home } = dirs;
  const vscodeUser =
    (dirs.platform ?? process.platform) === "darwin"
      ? path.join(home, "Library", "Application Support", "Code", "User", "mcp.json")
      : (dirs.platform ?? process.platform) === "win32"
        ? path.join(home, "AppData", "Roaming", "Code", "User", "mcp.json")
        : path.join(home, ".config", "Code", "User", "mcp.json");
  const files: Record<Agent, Record<Scope, string | undefined>> = {
    cursor: { project: path.join(project, ".cursor", "mcp.json"), user: path.join(home, ".cursor", "mcp.json") },
    "claude-code": { project: path.join(project, ".mcp.json"), user: path.join(home, ".claude.json") },
    vscode: { project: path.join(project, ".vscode", "mcp.json"), user: vscodeUser },
    // Codex reads one configuration, the user's.
    codex: { project: undefined, user: path.join(home, ".codex", "config.toml") },
    opencode: { project: path.join(project, "opencode.json"), user: path.join(home, ".config", "opencode", "opencode.json") },
  };
  return files[agent][scope];
}

/** The entry as the agent's format writes it. */
export function entryFor(agent: Agent, entry: ServerEntry): Record<string, unknown> {
  const key = entry.auth === "api-key";
  switch (agent) {
    case "cursor":
      return { url: entry.url, ...(key ? { headers: { Authorization: `Bearer \${env:${API_KEY_ENV}}` } } : {}) };
    case "claude-code":
      return { type: "http", url: entry.url, ...(key ? { headers: { Authorization: `Bearer \${${API_KEY_ENV}}` } } : {}) };
    case "vscode":
      return { type: "http", url: entry.url, ...(key ? { headers: { Authorization: `Bearer \${env:${API_KEY_ENV}}` } } : {}) };
    case "opencode":
      return { type: "remote", url: entry.url, enabled: true, ...(key ? { headers: { Authorization: `Bearer {env:${API_KEY_ENV}}` } } : {}) };
    case "codex":
      return { url: entry.url, ...(key ? { bearer_token_env_var: API_KEY_ENV } : {}) };
  }
}

/** The key under which each JSON format lists its servers. */
const SERVERS_KEY: Record<Exclude<Agent, "codex">, string> = { cursor: "mcpServers", "claude-code": "mcpServers", vscode: "servers", opencode: "mcp" };

/**
 * The file's new text with the entry added or replaced. `current` is the file's text, or
 * undefined when it does not exist.
 * @throws Error naming the file when its current text cannot be parsed (it is then left alone).
 */
export function planConfig(agent: Agent, file: string, current: string | undefined, entry: ServerEntry): ConfigPlan {
  const wanted = entryFor(agent, entry);
  const { doc, key } = parseConfig(agent, file, current, entry.name);
  const servers = { ...((doc[key] as Record<string, unknown> | undefined) ?? {}) };
  const action = actionOf(current, servers[entry.name], wanted);
  servers[entry.name] = wanted;
  if (action === "unchanged") return { agent, file, action, text: current! };
  if (agent === "codex") return { agent, file, action, text: editToml(file, current, entry.name, wanted) };
  const base = agent === "opencode" && current === undefined ? { $schema: "https://opencode.ai/config.json" } : {};
  return { agent, file, action, text: `${JSON.stringify({ ...base, ...doc, [key]: servers }, null, 2)}\n` };
}

/**
 * The server entry named `name` in a configuration file's text, or undefined when there is
 * none. @throws Error naming the file when the text cannot be parsed.
 */
export function findEntry(agent: Agent, file: string, text: string, name: string): { url?: string; apiKeyFromEnv: boolean } | undefined {
  const { doc, key } = parseConfig(agent, file, text, name);
  const entry = (doc[key] as Record<string, Record<string, unknown>> | undefined)?.[name];
  if (!entry || typeof entry !== "object") return undefined;
  return { url: typeof entry.url === "string" ? entry.url : undefined, apiKeyFromEnv: JSON.stringify(entry).includes(API_KEY_ENV) };
}

/** A TOML key, bare when it can be. */
const tomlKey = (name: string) => (/^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name));

/**
 * Codex's config.toml with the `[mcp_servers.<name>]` table added or replaced as text, so the
 * rest of the file (comments and layout included) stays as it was; the result is parsed to
 * check it holds the entry. @throws Error naming the file when the table cannot be edited in place.
 */
function editToml(file: string, current: string | undefined, name: string, wanted: Record<string, unknown>): string {
  const header = `[mcp_servers.${tomlKey(name)}]`;
  const block = `${header}\n${stringifyToml(wanted)}\n`;
  let text: string;
  if (current === undefined || current.trim() === "") text = block;
  else {
    const lines = current.split("\n");
    const start = lines.findIndex((l) => l.trim() === header);
    if (start === -1) text = `${current.trimEnd()}\n\n${block}`;
    else {
      // The table runs to the next table header that is not one of its own sub-tables.
      const own = `[mcp_servers.${tomlKey(name)}.`;
      let end = start + 1;
      while (end < lines.length && !(lines[end]!.trimStart().startsWith("[") && !lines[end]!.trimStart().startsWith(own))) end++;
      // Comments and blank lines just before the next table belong to it.
      while (end < lines.length && end - 1 > start && (lines[end - 1]!.trim() === "" || lines[end - 1]!.trimStart().startsWith("#"))) end--;
      const rest = lines.slice(end);
      text = [...lines.slice(0, start), ...block.trimEnd().split("\n"), ...(rest.length > 0 && rest[0]!.trim() !== "" ? [""] : []), ...rest].join("\n");
      if (!text.endsWith("\n")) text += "\n";
    }
  }
  let written: Record<string, unknown> | undefined;
  try {
    written = (parseToml(text).mcp_servers as Record<string, Record<string, unknown>> | undefined)?.[name];
  } catch {}
  if (JSON.stringify(written) !== JSON.stringify(wanted)) {
    throw new Error(`${file} defines mcp_servers in a way this tool cannot edit in place; add ${header} by hand.`);
  }
  return text;
}

/** A configuration's parsed document and the key its servers live under. */
function parseConfig(agent: Agent, file: string, current: string | undefined, name: string): { doc: Record<string, unknown>; key: string } {
  if (agent === "codex") {
    try {
      return { doc: current === undefined ? {} : (parseToml(current) as Record<string, unknown>), key: "mcp_servers" };
    } catch (err) {
      throw new Error(`${file} is not valid TOML (${(err as Error).message.split("\n")[0]}); add [mcp_servers.${name}] by hand.`);
    }
  }
  try {
    const doc = current === undefined || current.trim() === "" ? {} : (JSON.parse(current) as Record<string, unknown>);
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not an object");
    return { doc, key: SERVERS_KEY[agent] };
  } catch (err) {
    throw new Error(`${file} is not plain JSON (${(err as Error).message}); comments are not kept, so add the "${name}" server by hand.`);
  }
}

function actionOf(current: string | undefined, existing: unknown, wanted: unknown): ConfigPlan["action"] {
  if (current === undefined) return "create";
  if (existing === undefined) return "add";
  return JSON.stringify(existing) === JSON.stringify(wanted) ? "unchanged" : "replace";
}
