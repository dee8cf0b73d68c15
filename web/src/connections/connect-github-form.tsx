/**
 * "Connect an existing App by hand" (admins; the second option, after creating the App from a
 * manifest): the steps on GitHub first, with the values known before the connection exists
 * (homepage, callback and setup URLs, permissions, events; the webhook URL and secret follow on
 * the connection's page), then the form: name, App ID, slug, private key (pasted, or read from
 * the .pem file in the browser) and an optional Enterprise Server API URL. Creating it opens the
 * connection's page with the webhook secret, shown once. The server's problems with a field
 * show beside it.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { ApiUrlField } from "./api-url-field";
import { Button, Field, fieldError, formError, Notice } from "../ui/ui";
import { connectionKeys, createGithubConnection } from "./connection-api";
import { PrivateKeyField } from "./private-key-field";
import { rememberWebhookSecret } from "./webhook-secret";

const SETUP_PATH = "/github/setup";
const FIELDS = ["name", "appId", "appSlug", "privateKey", "apiUrl"] as const;

function Steps({ baseUrl }: { baseUrl: string }) {
  return (
    <ol className="flex list-decimal flex-col gap-2 pl-5 text-sm">
      <li>
        <strong>Create the App on GitHub</strong>: <a href="https://github.com/settings/apps/new">github.com/settings/apps/new</a> for your account, or
        github.com/organizations/<em>your-organisation</em>/settings/apps/new for an organisation (on GitHub Enterprise Server, the same path on your server).
      </li>
      <li>
        <strong>Enter these values</strong>:
        <ul className="mt-1 flex list-disc flex-col gap-0.5 pl-5">
          <li>
            Homepage URL: <code className="break-all">{baseUrl}</code>
          </li>
          <li>
            Callback URL and Setup URL: <code className="break-all">{`${baseUrl}${SETUP_PATH}`}</code>; tick “Redirect on update”.
          </li>
          <li>Webhook: untick “Active” for now. Its URL and secret appear once the connection is created (step 4).</li>
          <li>Repository permissions: Contents: read-only, Metadata: read-only. Nothing else.</li>
          <li>Events: push and repository (GitHub sends installation events to every App).</li>
        </ul>
      </li>
      <li>
        <strong>Generate a private key</strong> on the App's page (Private keys → Generate a private key). GitHub downloads a .pem file.
      </li>
      <li>
        <strong>Paste the App ID, slug and key here</strong>. The App ID is on the App's page; the slug ends its public link, https://github.com/apps/
        <em>slug</em>.
      </li>
    </ol>
  );
}

/** The form; `baseUrl` is this server's public origin (the values GitHub must call back on). */
export function ConnectGithubForm({ orgSlug, baseUrl }: { orgSlug: string; baseUrl: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("GitHub");
  const [appId, setAppId] = useState("");
  const [appSlug, setAppSlug] = useState("");
  const [privateKey, setPrivateKey] = useState("");
  const [apiUrl, setApiUrl] = useState("");
  const create = useMutation({
    mutationFn: () =>
      createGithubConnection(orgSlug, {
        type: "github",
        name: name.trim(),
        appId: Number(appId),
        appSlug: appSlug.trim(),
        privateKey,
        ...(apiUrl.trim() ? { apiUrl: apiUrl.trim() } : {}),
      }),
    onSuccess: async ({ connection, webhookSecret }) => {
      rememberWebhookSecret(connection.id, webhookSecret);
      queryClient.setQueryData(connectionKeys.one(orgSlug, connection.id), connection);
      await queryClient.invalidateQueries({ queryKey: connectionKeys.all(orgSlug), exact: true });
      await navigate({ to: "/$orgSlug/settings/connections/$connectionId", params: { orgSlug, connectionId: connection.id } });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const problem = formError(create.error, FIELDS, true);
  return (
    <details className="rounded-lg border border-line bg-surface p-4">
      <summary className="cursor-pointer text-lg font-semibold">Connect an existing App by hand</summary>
      <div className="mt-3 flex flex-col gap-4">
        <p className="text-sm text-soft">For an App you made on GitHub yourself: enter its values there, then its ID, slug and private key here.</p>
        <Steps baseUrl={baseUrl} />
        <form onSubmit={submit} className="flex flex-col gap-3" aria-label="Connect an existing App">
          <Field
            id="connection-name"
            label="Connection name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={fieldError(create.error, "name", true)}
          />
          <Field
            id="app-id"
            label="App ID"
            required
            inputMode="numeric"
            pattern="[0-9]+"
            autoComplete="off"
            value={appId}
            onChange={(e) => setAppId(e.target.value.trim())}
            error={fieldError(create.error, "appId")}
          />
          <Field
            id="app-slug"
            label="App slug"
            required
            maxLength={100}
            autoComplete="off"
            value={appSlug}
            onChange={(e) => setAppSlug(e.target.value)}
            hint="As in https://github.com/apps/<slug>."
            error={fieldError(create.error, "appSlug")}
          />
          <PrivateKeyField
            id="app-private-key"
            label="Private key"
            hint="The whole .pem file. It is stored encrypted and never shown again."
            required
            value={privateKey}
            onChange={setPrivateKey}
            error={fieldError(create.error, "privateKey")}
          />
          <ApiUrlField id="app-api-url" value={apiUrl} onChange={setApiUrl} error={fieldError(create.error, "apiUrl")} />
          {problem && <Notice kind="error">{problem}</Notice>}
          <div>
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? "Connecting…" : "Connect"}
            </Button>
          </div>
        </form>
      </div>
    </details>
  );
}
