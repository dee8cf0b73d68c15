/**
 * Ready-to-paste MCP configuration for each client, built from this instance's origin and the
 * organisation's slug; the same snippets as docs/mcp.md. `key` (an API key just created) goes
 * into the API-key variants; without one they hold a placeholder.
 */

/** One client's snippets. */
export interface ClientSnippets {
  id: string;
  name: string;
  /** Where the snippet goes. */
  where: string;
  oauth: string;
  apiKey: string;
  /** What to know (a client's known limits). */
  note?: string;
}

/** The snippets for every supported client. */
export function mcpSnippets(origin: string, orgSlug: string, key?: string): ClientSnippets[] {
  const url = `${origin}/mcp?orgSlug=${orgSlug}`;
  const secret = key ?? "ctx_…";
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    {
      id: "cursor",
      name: "Cursor",
      where: "~/.cursor/mcp.json (or .cursor/mcp.json in a project)",
      oauth: json({ mcpServers: { ctxpipe: { url } } }),
      apiKey: json({ mcpServers: { ctxpipe: { url, headers: { Authorization: `Bearer ${secret}` } } } }),
      note: "Cursor desktop's OAuth callback is refused by the sign-in library for now: use the API key.",
    },
    {
      id: "claude-code",
      name: "Claude Code",
      where: "a terminal",
      oauth: `claude mcp add --transport http ctxpipe "${url}"\n# then, inside Claude Code: /mcp → ctxpipe → Authenticate`,
      apiKey: `claude mcp add --transport http ctxpipe "${url}" \\\n  --header "Authorization: Bearer ${secret}"`,
    },
    {
      id: "vscode",
      name: "VS Code",
      where: ".vscode/mcp.json",
      oauth: json({ servers: { ctxpipe: { type: "http", url } } }),
      apiKey: json({ servers: { ctxpipe: { type: "http", url, headers: { Authorization: `Bearer ${secret}` } } } }),
    },
    {
      id: "codex",
      name: "Codex",
      where: "~/.codex/config.toml",
      oauth: `[mcp_servers.ctxpipe]\nurl = "${url}"\n# then run: codex mcp login ctxpipe`,
      apiKey: `[mcp_servers.ctxpipe]\nurl = "${url}"\nbearer_token_env_var = "CTXPIPE_API_KEY"\n# and: export CTXPIPE_API_KEY=${secret}`,
    },
  ];
}
