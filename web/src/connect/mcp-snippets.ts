/**
 * Ready-to-paste MCP configuration for each client, built from this instance's origin and the
 * organisation's slug; the same snippets as docs/mcp.md. `key` (an API key just created) goes
 * into the API-key variants; without one they hold a placeholder. A client whose OAuth sign-in
 * does not work with ctxpipe (Cursor) is offered the API key only, with the reason in `note`,
 * as `ctxpipe-connect init` does.
 */

/** One client's snippets. */
export interface ClientSnippets {
  id: string;
  name: string;
  /** Where the snippet goes. */
  where: string;
  /** The OAuth variant; absent when the client's OAuth sign-in does not work with ctxpipe. */
  oauth?: string;
  apiKey: string;
  /** What to know (a client's known limits, one line). */
  note?: string;
}

/** The one command that sets up agents from a terminal: the CLI as this instance serves it (docs/mcp.md). */
export function connectCommand(origin: string): string {
  return `npx --yes ${origin}/downloads/ctxpipe-connect.tgz init --url ${origin}`;
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
      apiKey: json({ mcpServers: { ctxpipe: { url, headers: { Authorization: `Bearer ${secret}` } } } }),
      note: "Cursor takes an API key only: its OAuth callback (cursor://…) is refused by ctxpipe's sign-in library for now.",
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
    {
      id: "opencode",
      name: "OpenCode",
      where: "opencode.json in a project (or ~/.config/opencode/opencode.json)",
      oauth: json({ $schema: "https://opencode.ai/config.json", mcp: { ctxpipe: { type: "remote", url, enabled: true } } }),
      apiKey: json({
        $schema: "https://opencode.ai/config.json",
        mcp: { ctxpipe: { type: "remote", url, enabled: true, headers: { Authorization: `Bearer ${secret}` } } },
      }),
    },
  ];
}
