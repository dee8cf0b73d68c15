/**
 * The Confluence part of /$orgSlug/settings/connections (docs/confluence.md): each Confluence
 * connection with its status, site, spaces, last sync and next step; for admins, its actions
 * (confluence-actions.tsx: connect through Atlassian's consent page, sync, restricted pages,
 * delete), the space picker, and the form that adds a connection from the OAuth app's client
 * id and secret (the callback URL to register is shown).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button, Field, fieldError, formError, Notice, QueryState } from "../ui/ui";
import { ConfluenceActions } from "./confluence-actions";
import {
  type ConfluenceConnection as Confluence,
  connectionKeys,
  createConfluence,
  saveConfluenceSpaces,
  useConfluenceConnections,
  useConfluenceSpaces,
} from "./connection-api";

function SpacePicker({ orgSlug, connection }: { orgSlug: string; connection: Confluence }) {
  const queryClient = useQueryClient();
  const spaces = useConfluenceSpaces(orgSlug, connection.id);
  const [picked, setPicked] = useState<Set<string> | undefined>();
  const chosen = picked ?? new Set(spaces.data?.spaces.filter((s) => s.selected).map((s) => s.key) ?? []);
  const save = useMutation({
    mutationFn: () => saveConfluenceSpaces(orgSlug, connection.id, [...chosen]),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: connectionKeys.confluence(orgSlug) }),
  });
  return (
    <fieldset className="mt-2 flex flex-col gap-1">
      <legend className="text-sm font-medium">Spaces to sync</legend>
      <QueryState query={spaces}>
        {(data) => (
          <>
            {data.spaces.map((s) => (
              <label key={s.key} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={chosen.has(s.key)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.target.checked) next.add(s.key);
                    else next.delete(s.key);
                    setPicked(next);
                  }}
                />
                {s.name} <span className="text-soft">({s.key})</span>
              </label>
            ))}
            <div>
              <Button variant="secondary" disabled={chosen.size === 0 || save.isPending} onClick={() => save.mutate()}>
                Save spaces
              </Button>
            </div>
            {save.error ? <Notice kind="error">{formError(save.error, [])}</Notice> : null}
          </>
        )}
      </QueryState>
    </fieldset>
  );
}

function ConfluenceItem({ orgSlug, connection, isAdmin }: { orgSlug: string; connection: Confluence; isAdmin: boolean }) {
  const last = connection.lastSync;
  return (
    <li className="rounded-lg border border-line bg-surface p-3" data-testid="confluence-connection">
      <div className="flex flex-wrap items-center gap-2">
        <strong>{connection.name}</strong>
        <span className="rounded bg-muted px-1.5 text-xs">{connection.status}</span>
        {connection.site && <span className="text-sm text-soft">{connection.site.url}</span>}
      </div>
      {last && (
        <p className="mt-1 text-sm">
          Last sync {new Date(last.at).toLocaleString()}: {last.result}, {last.pages} pages ({last.added} added, {last.updated} updated, {last.deleted}{" "}
          deleted), {last.restrictedSkipped} restricted withheld, {last.attachmentsSkipped} attachments skipped.
        </p>
      )}
      {connection.nextStep && <p className="mt-1 text-sm">Next step: {connection.nextStep}</p>}
      {isAdmin && <ConfluenceActions orgSlug={orgSlug} connection={connection} />}
      {isAdmin && connection.site && connection.status === "active" && <SpacePicker orgSlug={orgSlug} connection={connection} />}
    </li>
  );
}

function AddConfluenceForm({ orgSlug, callbackUrl }: { orgSlug: string; callbackUrl: string }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("Confluence");
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  const [includeRestricted, setIncludeRestricted] = useState(false);
  const create = useMutation({
    mutationFn: () => createConfluence(orgSlug, { name: name.trim(), clientId: clientId.trim(), clientSecret, includeRestricted }),
    onSuccess: async () => {
      setClientSecret("");
      await queryClient.invalidateQueries({ queryKey: connectionKeys.confluence(orgSlug) });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const problem = formError(create.error, ["name", "clientId", "clientSecret"], true);
  return (
    <details className="rounded-lg border border-line bg-surface p-4">
      <summary className="cursor-pointer text-lg font-semibold">Add Confluence</summary>
      <div className="mt-3 flex flex-col gap-3">
        <p className="text-sm">
          Register an OAuth 2.0 (3LO) app in the Atlassian developer console with the callback URL <code className="break-all">{callbackUrl}</code> and the
          read-only Confluence scopes read:confluence-content.all, read:confluence-space.summary and read:confluence-user; then enter its client ID and secret.
        </p>
        <form onSubmit={submit} className="flex flex-col gap-3" aria-label="Add Confluence">
          <Field
            id="confluence-name"
            label="Connection name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={fieldError(create.error, "name", true)}
          />
          <Field
            id="confluence-client-id"
            label="Client ID"
            required
            autoComplete="off"
            value={clientId}
            onChange={(e) => setClientId(e.target.value)}
            error={fieldError(create.error, "clientId")}
          />
          <Field
            id="confluence-client-secret"
            label="Secret"
            type="password"
            required
            autoComplete="off"
            value={clientSecret}
            onChange={(e) => setClientSecret(e.target.value)}
            hint="Stored encrypted and never shown again."
            error={fieldError(create.error, "clientSecret")}
          />
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={includeRestricted} onChange={(e) => setIncludeRestricted(e.target.checked)} />
            Include pages with view restrictions (every member of this organisation can then find them)
          </label>
          {problem && <Notice kind="error">{problem}</Notice>}
          <div>
            <Button type="submit" disabled={create.isPending}>
              Add connection
            </Button>
          </div>
        </form>
      </div>
    </details>
  );
}

/** The Confluence connections, and for admins the form to add one. */
export function ConfluenceSection({ orgSlug, isAdmin }: { orgSlug: string; isAdmin: boolean }) {
  const connections = useConfluenceConnections(orgSlug);
  const connected = new URLSearchParams(window.location.search).get("confluence");
  return (
    <section aria-labelledby="confluence" className="flex flex-col gap-2">
      <h2 id="confluence" className="text-lg font-semibold">
        Confluence
      </h2>
      <p className="text-sm text-soft">Confluence spaces synced as documents: agents search them with search_docs, people with type:doc.</p>
      {connected && <Notice kind="success">Connected to Atlassian. Pick the spaces to sync.</Notice>}
      <QueryState query={connections}>
        {(items) =>
          items.length === 0 ? (
            <Notice>No Confluence connection yet.{isAdmin ? " Add one below." : ""}</Notice>
          ) : (
            <ul className="flex flex-col gap-2">
              {items.map((c) => (
                <ConfluenceItem key={c.id} orgSlug={orgSlug} connection={c} isAdmin={isAdmin} />
              ))}
            </ul>
          )
        }
      </QueryState>
      {isAdmin && <AddConfluenceForm orgSlug={orgSlug} callbackUrl={`${window.location.origin}/api/v1/integrations/atlassian/callback`} />}
    </section>
  );
}
