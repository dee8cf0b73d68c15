/**
 * /$orgSlug/connect: connect a coding agent. The one terminal command (the setup CLI as this
 * instance serves it), the MCP URL, then per client (Cursor, Claude Code, VS Code, Codex,
 * OpenCode) a snippet for OAuth and one for an API key (Cursor: the API key only, and why),
 * with copy buttons; an API key can be created here and is filled into the snippets (shown
 * once). Below, whether an agent has connected, and when, from the MCP usage records.
 */
import * as Tabs from "@radix-ui/react-tabs";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { totalCalls, useMcpUsage } from "../activity/activity-api";
import { useIsAdmin } from "../api/session";
import { createApiKey } from "../settings/settings-api";
import { CopyButton } from "../ui/copy-button";
import { Button, errorMessage, Notice, PageHeader } from "../ui/ui";
import { connectCommand, mcpSnippets } from "./mcp-snippets";
import { useOrgSlug } from "../app-shell/route-params";

/** A block of text with a copy button that says when it copied. */
export function CopyBlock({ label, text }: { label: string; text: string }) {
  return (
    <figure className="relative">
      <figcaption className="mb-1 text-xs text-soft">{label}</figcaption>
      <pre className="overflow-x-auto rounded-md border border-line bg-muted p-3 text-sm" data-testid="snippet">
        {text}
      </pre>
      <CopyButton label={label} text={text} className="absolute top-6 right-2" />
    </figure>
  );
}

/** The connect page. */
export function ConnectPage() {
  const orgSlug = useOrgSlug();
  const [client, setClient] = useState("claude-code");
  const [key, setKey] = useState<string | undefined>();
  // Agent usage is for admins.
  const isAdmin = useIsAdmin(orgSlug);
  const usage = useMcpUsage(orgSlug, { enabled: isAdmin, refetchInterval: 10_000 });
  const createKey = useMutation({
    mutationFn: () => createApiKey(orgSlug, "Agent (web app)"),
    onSuccess: (result) => setKey(result.key),
  });
  const snippets = mcpSnippets(window.location.origin, orgSlug, key);
  const calls = totalCalls(usage.data?.usage);
  const lastDay = (usage.data?.usage ?? [])
    .map((u: { day: string }) => u.day)
    .sort()
    .at(-1);

  return (
    <>
      <PageHeader title="Connect an agent">Point your coding agent at this organisation's MCP endpoint.</PageHeader>
      <CopyBlock label="Set up your agents from a terminal (Node 22; asks which agents)" text={connectCommand(window.location.origin)} />
      <p className="mt-2 mb-4 text-sm text-soft">Or configure an agent by hand:</p>
      <CopyBlock label="MCP URL" text={`${window.location.origin}/mcp?orgSlug=${orgSlug}`} />
      {/* Radix tabs: arrow keys move between clients, as the ARIA tabs pattern asks. */}
      <Tabs.Root value={client} onValueChange={setClient} className="mt-4">
        <Tabs.List aria-label="Client" className="flex flex-wrap gap-2">
          {snippets.map((s) => (
            <Tabs.Trigger
              key={s.id}
              value={s.id}
              className="rounded-md border border-line px-3 py-1.5 text-sm font-medium data-[state=active]:border-accent data-[state=active]:bg-accent data-[state=active]:text-on-accent"
            >
              {s.name}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        {snippets.map((s) => (
          <Tabs.Content key={s.id} value={s.id} className="mt-3 flex flex-col gap-3">
            <p className="text-sm">Goes in {s.where}.</p>
            {s.note && <Notice>{s.note}</Notice>}
            {s.oauth && <CopyBlock label={`${s.name} with OAuth (sign in once in the browser)`} text={s.oauth} />}
            <CopyBlock label={`${s.name} with an API key`} text={s.apiKey} />
          </Tabs.Content>
        ))}
      </Tabs.Root>
      <div className="mt-3">
        {key ? (
          <Notice kind="success">A new API key is in the snippets above. Copy it now: it is not shown again.</Notice>
        ) : (
          <Button variant="secondary" onClick={() => createKey.mutate()} disabled={createKey.isPending}>
            Create an API key for these snippets
          </Button>
        )}
        {createKey.error && <Notice kind="error">{errorMessage(createKey.error)}</Notice>}
      </div>
      <section className="mt-6" aria-live="polite">
        <h2 className="mb-1 text-lg font-semibold">Connected agents</h2>
        {usage.data &&
          (calls > 0 ? (
            <p data-testid="agent-connected">
              Connected: agents made {calls} tool calls in the last 30 days, the latest on {lastDay}.
            </p>
          ) : (
            <p>No agent has called a tool yet. Once one does, it shows here within ten seconds.</p>
          ))}
      </section>
    </>
  );
}
