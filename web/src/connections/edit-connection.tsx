/**
 * A connection's "Edit" (admins): its name, the App's slug (after the App was renamed on
 * GitHub) and a new private key (pasted or read from the .pem file) generated for the same
 * App. Only what changed is sent (PATCH …/connections/{connectionId}); the repositories stay.
 * The server's problems show beside their fields: a key it cannot read, a name already taken.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button, Field, fieldError, formError, Notice } from "../ui/ui";
import { type Connection, connectionKeys, updateConnection } from "./connection-api";
import { PrivateKeyField } from "./private-key-field";

const FIELDS = ["name", "appSlug", "privateKey"] as const;

/** The form for `connection`; `onDone` closes it (after a save, or on Cancel). */
export function EditConnection({ orgSlug, connection, onDone }: { orgSlug: string; connection: Connection; onDone: (saved: boolean) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(connection.name);
  const [appSlug, setAppSlug] = useState(connection.config.appSlug);
  const [privateKey, setPrivateKey] = useState("");
  const save = useMutation({
    mutationFn: () =>
      updateConnection(orgSlug, connection.id, {
        ...(name.trim() !== connection.name ? { name: name.trim() } : {}),
        ...(appSlug.trim() !== connection.config.appSlug ? { appSlug: appSlug.trim() } : {}),
        ...(privateKey.trim() ? { privateKey } : {}),
      }),
    onSuccess: async (updated) => {
      queryClient.setQueryData(connectionKeys.one(orgSlug, connection.id), updated);
      await queryClient.invalidateQueries({ queryKey: connectionKeys.all(orgSlug), exact: true });
      onDone(true);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const problem = formError(save.error, FIELDS, true);
  return (
    <section aria-labelledby="edit-connection" className="flex flex-col gap-3 rounded-lg border border-line bg-surface p-4">
      <h3 id="edit-connection" className="text-lg font-semibold">
        Edit the connection
      </h3>
      <form onSubmit={submit} className="flex flex-col gap-3" aria-label="Edit the connection">
        <Field
          id="edit-connection-name"
          label="Connection name"
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fieldError(save.error, "name", true)}
        />
        <Field
          id="edit-app-slug"
          label="App slug"
          required
          maxLength={100}
          autoComplete="off"
          value={appSlug}
          onChange={(e) => setAppSlug(e.target.value)}
          hint="As in https://github.com/apps/<slug>. It changes when the App is renamed on GitHub."
          error={fieldError(save.error, "appSlug")}
        />
        <PrivateKeyField
          id="edit-private-key"
          label="Replace the private key (optional)"
          hint="A key generated on the App's page on GitHub (Private keys). Leave empty to keep the current one, which is never shown."
          value={privateKey}
          onChange={setPrivateKey}
          error={fieldError(save.error, "privateKey")}
        />
        {problem && <Notice kind="error">{problem}</Notice>}
        <div className="flex flex-wrap gap-2">
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </Button>
          <Button variant="secondary" onClick={() => onDone(false)}>
            Cancel
          </Button>
        </div>
      </form>
    </section>
  );
}
