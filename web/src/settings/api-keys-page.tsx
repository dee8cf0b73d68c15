/**
 * /$orgSlug/settings/api-keys: API keys of this organisation (a member sees their own, admins
 * all), with when each was created and last used: create one (shown once, with a copy button) and revoke.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { CopyBlock } from "../connect/connect-page";
import { Button, errorMessage, Field, Notice, QueryState } from "../ui/ui";
import { createApiKey, revokeApiKey, settingsKeys, useApiKeys } from "./settings-api";
import { useOrgSlug } from "../app-shell/route-params";

/** The API keys page. */
export function ApiKeysPage() {
  const orgSlug = useOrgSlug();
  return <ApiKeys orgSlug={orgSlug} />;
}

function ApiKeys({ orgSlug }: { orgSlug: string }) {
  const queryClient = useQueryClient();
  const key = settingsKeys.apiKeys(orgSlug);
  const keys = useApiKeys(orgSlug);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => createApiKey(orgSlug, name.trim()),
    onSuccess: async (result) => {
      setCreated(result.key);
      setName("");
      await queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: (keyId: string) => revokeApiKey(orgSlug, keyId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section aria-labelledby="api-keys">
      <h2 id="api-keys" className="mb-2 text-lg font-semibold">
        API keys
      </h2>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <Field id="key-name" label="Key name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <Button type="submit" disabled={create.isPending || !name.trim()}>
          Create key
        </Button>
      </form>
      {create.error && <Notice kind="error">{errorMessage(create.error)}</Notice>}
      {created && (
        <div className="mt-2">
          <CopyBlock label="Your new key: copy it now, it is not shown again" text={created} />
        </div>
      )}
      <QueryState query={keys}>
        {(data) => (
          <ul className="mt-3 flex flex-col gap-1">
            {(data.apiKeys as { id: string; name: string; prefix: string; createdAt: string; revokedAt: string | null; lastUsedAt: string | null }[]).map(
              (k) => (
                <li key={k.id} className="flex flex-wrap items-center gap-2 text-sm">
                  <code>{k.prefix}…</code> {k.name}
                  <span className="text-soft" data-testid="api-key-dates">
                    created {new Date(k.createdAt).toLocaleDateString()} ·{" "}
                    {k.lastUsedAt ? `last used ${new Date(k.lastUsedAt).toLocaleString()}` : "never used"}
                  </span>
                  {k.revokedAt ? (
                    <span className="text-soft">revoked</span>
                  ) : (
                    <Button variant="secondary" onClick={() => revoke.mutate(k.id)} aria-label={`Revoke ${k.name}`}>
                      Revoke
                    </Button>
                  )}
                </li>
              ),
            )}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
