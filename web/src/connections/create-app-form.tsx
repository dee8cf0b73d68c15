/**
 * "Create the App on GitHub" (admins; the recommended option): GitHub's App-manifest flow. The
 * admin names the App (unique on GitHub), optionally a GitHub organisation to own it and an
 * Enterprise Server API URL; the server answers the manifest (this instance's URLs, the
 * permissions, the events, the webhook URL of a connection id reserved for it) and where to
 * POST it. The browser posts it there as a form, GitHub asks to confirm and creates the App,
 * then sends the browser to /github/manifest (github-manifest-page.tsx), which makes the
 * connection. The form is built with DOM calls in this bundle: the CSP allows no inline script,
 * and its form-action lets forms go to GitHub.
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSession } from "../api/session";
import { ApiUrlField } from "./api-url-field";
import { createAppManifest } from "./connection-api";
import { Button, Field, fieldError, formError, Notice } from "../ui/ui";

/** GitHub's limit on an App's name. */
const MAX_APP_NAME = 34;
const FIELDS = ["name", "githubOrganization", "apiUrl"] as const;

/**
 * Sends the browser to `postUrl` with the form field `manifest`, as GitHub's manifest flow asks.
 * `onBlocked` runs when this page's CSP refuses the target: its form-action allows github.com
 * and the web origin of the server's GITHUB_API_URL only, not another Enterprise Server.
 */
export function postManifest(postUrl: string, manifest: string, onBlocked: () => void): void {
  document.addEventListener(
    "securitypolicyviolation",
    (event) => {
      if (event.effectiveDirective === "form-action") onBlocked();
    },
    { once: true },
  );
  const form = document.createElement("form");
  form.method = "post";
  form.action = postUrl;
  form.hidden = true;
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "manifest";
  field.value = manifest;
  form.append(field);
  document.body.append(form);
  form.submit();
}

/** The App name suggested for an organisation: "ctxpipe <its name>", within GitHub's limit. */
export function defaultAppName(orgName: string | undefined): string {
  return `ctxpipe ${orgName ?? ""}`.slice(0, MAX_APP_NAME).trim();
}

/** The form, for admins of `orgSlug`. */
export function CreateAppForm({ orgSlug }: { orgSlug: string }) {
  const orgName = useSession().data?.orgs.find((o) => o.slug === orgSlug)?.name;
  const [name, setName] = useState<string | null>(null);
  const [githubOrganization, setGithubOrganization] = useState("");
  const [apiUrl, setApiUrl] = useState("");
  // The web origin this page's CSP would not let the form go to.
  const [blocked, setBlocked] = useState<string | null>(null);
  const appName = name ?? defaultAppName(orgName);
  const create = useMutation({
    mutationFn: () =>
      createAppManifest(orgSlug, {
        name: appName.trim(),
        ...(githubOrganization.trim() ? { githubOrganization: githubOrganization.trim() } : {}),
        ...(apiUrl.trim() ? { apiUrl: apiUrl.trim() } : {}),
      }),
    onSuccess: ({ postUrl, manifest }) => {
      // Back from GitHub (the page restored from the back-forward cache): the form works again.
      window.addEventListener("pageshow", () => create.reset(), { once: true });
      postManifest(postUrl, manifest, () => {
        create.reset();
        setBlocked(new URL(postUrl).origin);
      });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBlocked(null);
    create.mutate();
  };
  const problem = formError(create.error, FIELDS);
  const leaving = create.isPending || create.isSuccess;
  return (
    <section aria-labelledby="create-app" className="flex flex-col gap-3 rounded-lg border border-accent bg-surface p-4">
      <h2 id="create-app" className="text-lg font-semibold">
        Create the App on GitHub (recommended)
      </h2>
      <p className="text-sm">
        GitHub opens with the App filled in (permissions, events and this server's URLs); you confirm there, and GitHub brings you back here to install it.
      </p>
      <form onSubmit={submit} className="flex flex-col gap-3" aria-label="Create the App on GitHub">
        <Field
          id="manifest-app-name"
          label="App name"
          required
          maxLength={MAX_APP_NAME}
          value={appName}
          onChange={(e) => setName(e.target.value)}
          hint="Its name on GitHub, which no other App may have; also this connection's name."
          error={fieldError(create.error, "name")}
        />
        <Field
          id="manifest-github-organization"
          label="GitHub organisation (optional)"
          autoComplete="off"
          pattern="[A-Za-z0-9][A-Za-z0-9\-]{0,38}"
          value={githubOrganization}
          onChange={(e) => setGithubOrganization(e.target.value)}
          hint="The login of the GitHub organisation to own the App (you need to be an owner or a GitHub App manager there). Leave empty for your own account."
          error={fieldError(create.error, "githubOrganization")}
        />
        <ApiUrlField id="manifest-api-url" value={apiUrl} onChange={setApiUrl} error={fieldError(create.error, "apiUrl")} />
        {problem && <Notice kind="error">{problem}</Notice>}
        {blocked && (
          <Notice kind="error">
            This server sends forms only to github.com and its own GitHub Enterprise Server (its GITHUB_API_URL), not to {blocked}. Ask its operator to set
            GITHUB_API_URL to that server, or connect an existing App by hand below.
          </Notice>
        )}
        <div>
          <Button type="submit" disabled={leaving || !appName.trim()}>
            {leaving ? "Opening GitHub…" : "Create on GitHub"}
          </Button>
        </div>
      </form>
    </section>
  );
}
