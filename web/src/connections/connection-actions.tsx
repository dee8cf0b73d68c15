/**
 * The admin actions of a connection page: install the App on GitHub (the install link, then
 * GitHub's page), check the connection with GitHub now (a queued reconcile whose outcome the
 * page polls for), replace a lost webhook secret (the new one shown once), and delete the
 * connection after a confirmation that says which indexed repositories go with it.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { repositoryKeys, useRepositories } from "../repositories/repositories-api";
import { Button, errorMessage, Notice } from "../ui/ui";
import { type Connection, connectionKeys, deleteConnection, installUrl, reconcileConnection, rotateWebhookSecret, useConnection } from "./connection-api";
import { WebhookSecret } from "./registration-values";

/**
 * "Install on GitHub": fetches the install link (valid an hour) and goes there. With
 * `secretPending`, warns that leaving for GitHub forgets the webhook secret still shown.
 */
export function InstallButton({ orgSlug, connection, secretPending }: { orgSlug: string; connection: Connection; secretPending: boolean }) {
  const install = useMutation({
    mutationFn: () => installUrl(orgSlug, connection.id),
    onSuccess: (link) => window.location.assign(link.url),
  });
  return (
    <div className="flex flex-col gap-2">
      <div>
        <Button onClick={() => install.mutate()} disabled={install.isPending || install.isSuccess}>
          {install.isPending || install.isSuccess ? "Opening GitHub…" : "Install on GitHub"}
        </Button>
      </div>
      {secretPending && <p className="text-sm text-soft">Save the webhook secret above first: going to GitHub leaves this page, and the secret with it.</p>}
      {install.error && <Notice kind="error">{errorMessage(install.error)}</Notice>}
    </div>
  );
}

/** How long "Check now" polls for the outcome before it stops waiting. */
const CHECK_WAIT_MS = 30_000;

/** "Check now": queues a reconcile and refetches every two seconds until its outcome shows. */
export function CheckNowButton({ orgSlug, connection }: { orgSlug: string; connection: Connection }) {
  // The lastReconcile.at before the request: a different one is the outcome.
  const [since, setSince] = useState<{ previous: string | undefined; timedOut: boolean } | null>(null);
  const waiting = since !== null && !since.timedOut && connection.lastReconcile?.at === since.previous;
  // Another observer of the same query: its interval drives the page's refetch while waiting.
  useConnection(orgSlug, connection.id, waiting ? 2000 : false);
  useEffect(() => {
    if (!waiting) return;
    const timer = setTimeout(() => setSince((s) => s && { ...s, timedOut: true }), CHECK_WAIT_MS);
    return () => clearTimeout(timer);
  }, [waiting]);
  const check = useMutation({
    mutationFn: () => reconcileConnection(orgSlug, connection.id),
    onSuccess: () => setSince({ previous: connection.lastReconcile?.at, timedOut: false }),
  });
  return (
    <div className="flex flex-col gap-2">
      <div>
        <Button variant="secondary" onClick={() => check.mutate()} disabled={check.isPending || waiting}>
          {waiting ? "Checking…" : "Check now"}
        </Button>
      </div>
      {since && (
        <Notice>
          {waiting
            ? "Checking with GitHub: the result shows under “Last check with GitHub” in a few seconds."
            : connection.lastReconcile?.at !== since.previous
              ? "Checked: the result is under “Last check with GitHub”."
              : "The check is still queued: its result shows under “Last check with GitHub” once it has run (reload to see it)."}
        </Notice>
      )}
      {check.error && <Notice kind="error">{errorMessage(check.error)}</Notice>}
    </div>
  );
}

/** "New webhook secret…", a confirmation (the old one stops working), then the new one, once. */
export function RotateSecret({ orgSlug, connection }: { orgSlug: string; connection: Connection }) {
  const [confirming, setConfirming] = useState(false);
  const rotate = useMutation({
    mutationFn: () => rotateWebhookSecret(orgSlug, connection.id),
    onSuccess: () => setConfirming(false),
  });
  if (rotate.data) return <WebhookSecret secret={rotate.data.webhookSecret} webhookUrl={connection.registration.webhookUrl} onDismiss={() => rotate.reset()} />;
  return (
    <div className="flex flex-col gap-2">
      {confirming ? (
        <>
          <p className="text-sm">
            The current secret stops working at once: GitHub's deliveries are refused until the App's settings on GitHub have the new one.
          </p>
          <div className="flex flex-wrap gap-2">
            <Button variant="danger" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
              Make a new secret
            </Button>
            <Button variant="secondary" onClick={() => setConfirming(false)}>
              Keep the current one
            </Button>
          </div>
        </>
      ) : (
        <div>
          <Button variant="secondary" onClick={() => setConfirming(true)}>
            New webhook secret…
          </Button>
        </div>
      )}
      {rotate.error && <Notice kind="error">{errorMessage(rotate.error)}</Notice>}
    </div>
  );
}

/** "Delete…", then a confirmation naming the repositories that will be unindexed. */
export function DeleteConnection({ orgSlug, connection }: { orgSlug: string; connection: Connection }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const repositories = useRepositories(orgSlug, { enabled: confirming });
  const brought = (repositories.data ?? []).filter((r) => r.source.type === "github" && r.source.connectionId === connection.id);
  const remove = useMutation({
    mutationFn: () => deleteConnection(orgSlug, connection.id),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: connectionKeys.one(orgSlug, connection.id) });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: connectionKeys.all(orgSlug) }),
        queryClient.invalidateQueries({ queryKey: repositoryKeys.all(orgSlug) }),
      ]);
      await navigate({ to: "/$orgSlug/settings/connections", params: { orgSlug } });
    },
  });
  if (!confirming) {
    return (
      <div>
        <Button variant="secondary" onClick={() => setConfirming(true)}>
          Delete connection…
        </Button>
      </div>
    );
  }
  return (
    <section className="flex flex-col gap-2 rounded-lg border border-danger p-4" aria-labelledby="delete-connection">
      <h3 id="delete-connection" className="font-semibold text-danger">
        Delete {connection.name}?
      </h3>
      <p className="text-sm">
        {brought.length > 0
          ? `Its ${brought.length} ${brought.length === 1 ? "repository" : "repositories"} (${brought.map((r) => r.name).join(", ")}) will be unindexed: `
          : "The repositories it brought will be unindexed: "}
        they leave search and your agents. Its private key and webhook secret are deleted. The App stays installed on GitHub: uninstall it there too.
      </p>
      {remove.error && <Notice kind="error">{errorMessage(remove.error)}</Notice>}
      <div className="flex flex-wrap gap-2">
        <Button variant="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
          Delete {connection.name}
        </Button>
        <Button variant="secondary" onClick={() => setConfirming(false)}>
          Keep it
        </Button>
      </div>
    </section>
  );
}
