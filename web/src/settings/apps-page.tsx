/**
 * /$orgSlug/settings/apps: the OAuth apps (agents) you authorised, across organisations (a
 * grant is the user's), with when each was last used; revoking one ends its tokens.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, errorMessage, Notice, QueryState } from "../ui/ui";
import { revokeOauthApp, settingsKeys, useOauthApps } from "./settings-api";

/** The authorised apps page. */
export function AppsPage() {
  const queryClient = useQueryClient();
  const apps = useOauthApps();
  const revoke = useMutation({
    mutationFn: (clientId: string) => revokeOauthApp(clientId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: settingsKeys.oauthApps() }),
  });
  return (
    <section aria-labelledby="apps">
      <h2 id="apps" className="mb-2 text-lg font-semibold">
        Apps you authorised
      </h2>
      <p className="mb-2 text-sm text-soft">Agents that signed in as you with OAuth. They reach every organisation you belong to.</p>
      {revoke.error && <Notice kind="error">{errorMessage(revoke.error)}</Notice>}
      <QueryState query={apps}>
        {(data) =>
          data.apps.length === 0 ? (
            <Notice>No app is authorised.</Notice>
          ) : (
            <ul className="flex flex-col gap-2">
              {data.apps.map((a) => (
                <li key={a.clientId} className="flex flex-wrap items-center gap-2">
                  <strong>{a.clientName ?? "An unnamed app"}</strong>
                  <span className="text-sm text-soft">{a.scopes.join(" ")}</span>
                  <Button variant="secondary" onClick={() => revoke.mutate(a.clientId)} aria-label={`Revoke ${a.clientName ?? a.clientId}`}>
                    Revoke
                  </Button>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </section>
  );
}
