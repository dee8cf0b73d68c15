/**
 * /$orgSlug/settings/connections/$connectionId: one GitHub App connection. Its name with
 * "Edit" (admins: name, App slug, private key), the next step in a callout, the webhook secret
 * once (right after creation), "Install on GitHub" until installed, the values for the
 * App's settings on GitHub (and a new webhook secret), the health facts, the repository
 * picker once installed, "Check now" and delete. Members see the same page without the admin
 * controls.
 */
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { useIsAdmin } from "../api/session";
import { useConnectionId, useOrgSlug } from "../app-shell/route-params";
import { Button, Notice, QueryState } from "../ui/ui";
import { type Connection, installationSettingsUrl, useConnection } from "./connection-api";
import { CheckNowButton, DeleteConnection, InstallButton, RotateSecret } from "./connection-actions";
import { ConnectionHealth, StatusBadge } from "./connection-health";
import { EditConnection } from "./edit-connection";
import { RegistrationValues, WebhookSecret } from "./registration-values";
import { RepositoryPicker } from "./repository-picker";
import { forgetWebhookSecret, webhookSecretOf } from "./webhook-secret";

/** The connection page. */
export function ConnectionPage() {
  const orgSlug = useOrgSlug();
  const connectionId = useConnectionId();
  const isAdmin = useIsAdmin(orgSlug);
  const connection = useConnection(orgSlug, connectionId);
  return (
    <div className="flex flex-col gap-6">
      <Link to="/$orgSlug/settings/connections" params={{ orgSlug }} className="text-sm">
        ← All connections
      </Link>
      <QueryState query={connection}>{(c) => <ConnectionView orgSlug={orgSlug} connection={c} isAdmin={isAdmin} />}</QueryState>
    </div>
  );
}

function ConnectionView({ orgSlug, connection, isAdmin }: { orgSlug: string; connection: Connection; isAdmin: boolean }) {
  const [secret, setSecret] = useState(() => webhookSecretOf(connection.id));
  const dismissSecret = () => {
    forgetWebhookSecret(connection.id);
    setSecret(undefined);
  };
  // true: the form is open; "saved": closed by a save, which the page says.
  const [editing, setEditing] = useState<boolean | "saved">(false);
  const settingsUrl = installationSettingsUrl(connection);
  return (
    <>
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="text-xl font-semibold">{connection.name}</h2>
        <StatusBadge status={connection.status} />
        {isAdmin && editing !== true && (
          <Button variant="secondary" className="ml-auto" onClick={() => setEditing(true)}>
            Edit…
          </Button>
        )}
      </div>
      {editing === true && <EditConnection orgSlug={orgSlug} connection={connection} onDone={(saved) => setEditing(saved ? "saved" : false)} />}
      {editing === "saved" && <Notice kind="success">Saved.</Notice>}
      {connection.nextStep && (
        <section aria-labelledby="next-step" className="rounded-md border-l-4 border-accent bg-muted px-4 py-3" data-testid="next-step">
          <h3 id="next-step" className="font-semibold">
            Next step
          </h3>
          <p>{connection.nextStep}</p>
        </section>
      )}
      {secret && isAdmin && <WebhookSecret secret={secret} webhookUrl={connection.registration.webhookUrl} onDismiss={dismissSecret} />}
      {isAdmin && !connection.installation && <InstallButton orgSlug={orgSlug} connection={connection} secretPending={Boolean(secret)} />}
      <details open={!connection.lastDelivery} className="rounded-lg border border-line bg-surface p-4">
        <summary className="cursor-pointer font-semibold">Values for the App's settings on GitHub</summary>
        <p className="mt-2 text-sm text-soft">
          On GitHub, open the App's settings (Developer settings → GitHub Apps → Edit) and make them say this; the webhook URL names this connection.
        </p>
        <RegistrationValues registration={connection.registration} />
        {isAdmin && (
          <div className="mt-3">
            <RotateSecret orgSlug={orgSlug} connection={connection} />
          </div>
        )}
      </details>
      <section aria-labelledby="health">
        <h3 id="health" className="mb-1 text-lg font-semibold">
          Health
        </h3>
        <ConnectionHealth connection={connection} />
        {isAdmin && (
          <div className="mt-3">
            <CheckNowButton orgSlug={orgSlug} connection={connection} />
          </div>
        )}
      </section>
      {connection.installation && (
        <div className="flex flex-col gap-2">
          <RepositoryPicker orgSlug={orgSlug} connection={connection} isAdmin={isAdmin} />
          {settingsUrl && (
            <p className="text-sm text-soft">
              A repository missing here? Grant the App access to it in <a href={settingsUrl}>the installation's settings on GitHub</a>.
            </p>
          )}
        </div>
      )}
      {isAdmin && <DeleteConnection orgSlug={orgSlug} connection={connection} />}
    </>
  );
}
