/**
 * The one-click path: GitHub's App-manifest flow. `appManifest` answers the manifest (name,
 * this instance's URLs, the webhook URL of a connection id reserved now, read-only permissions
 * and the events ctxpipe handles) and where to POST it (github.com, an organisation's
 * settings, or Enterprise Server), with a signed state. GitHub creates the App and sends the
 * admin back to the web app's manifest page with a one-time code, which posts it here:
 * `convertManifest` checks the state and exchanges the code (`POST /app-manifests/{code}/
 * conversions`, which needs no credentials) for the App's id, slug, private key and webhook
 * secret, and creates the connection under the reserved id.
 */
import { request as octokitRequest } from "@octokit/request";
import type { OrgActor } from "../../accounts/index.js";
import { AppError, forbidden } from "../../platform/errors.js";
import {
  createGithubConnection,
  GITHUB_EVENTS,
  GITHUB_MANIFEST_PATH,
  GITHUB_PERMISSIONS,
  normaliseApiUrl,
  registrationOf,
  type Connection,
  type ConnectionDependencies,
} from "./connection.service.js";
import { newConnectionId } from "../connection-ids.js";
import { explainGithubError } from "./github-api.js";
import { githubWebUrl } from "./installation.service.js";
import { INSTALL_STATE_TTL_MS, signInstallState, verifyInstallState } from "./install-state.js";

/** What the manifest flow needs. */
export interface ManifestDependencies extends Pick<ConnectionDependencies, "db" | "secretBox" | "baseUrl" | "defaultApiUrl" | "allowLocal" | "allowedHosts"> {
  authSecret: string;
  /** The SSRF-safe fetch GitHub API calls go through. */
  fetch: typeof fetch;
}

/** What the admin asks for. */
export interface ManifestInput {
  /** The App's name on GitHub (also the connection's). */
  name: string;
  /** Create the App under this GitHub organisation; omitted: under the admin's own account. */
  githubOrganization?: string;
  apiUrl?: string;
}

/**
 * The manifest and the form target. The web app POSTs `manifest` (a JSON string) to `postUrl`.
 */
export function appManifest(
  deps: ManifestDependencies,
  actor: OrgActor,
  orgSlug: string,
  input: ManifestInput,
): { postUrl: string; manifest: string; connectionId: string; expiresAt: string } {
  const apiUrl = normaliseApiUrl(input.apiUrl ?? deps.defaultApiUrl, deps.allowLocal);
  const connectionId = newConnectionId();
  const registration = registrationOf(deps.baseUrl, connectionId);
  const expiresAt = Date.now() + INSTALL_STATE_TTL_MS;
  const state = signInstallState(deps.authSecret, {
    purpose: "manifest",
    connectionId,
    orgSlug,
    userId: actor.userId,
    expiresAt,
    ...(input.apiUrl ? { apiUrl } : {}),
  });
  const manifest = {
    name: input.name,
    url: registration.homepageUrl,
    description: "ctxpipe indexes these repositories so coding agents can search and read them.",
    hook_attributes: { url: registration.webhookUrl, active: true },
    redirect_url: `${deps.baseUrl}${GITHUB_MANIFEST_PATH}`,
    setup_url: registration.setupUrl,
    setup_on_update: true,
    callback_urls: [registration.callbackUrl],
    request_oauth_on_install: false,
    public: false,
    default_permissions: GITHUB_PERMISSIONS,
    default_events: GITHUB_EVENTS,
  };
  const web = githubWebUrl(apiUrl);
  const owner = input.githubOrganization ? `/organizations/${encodeURIComponent(input.githubOrganization)}` : "";
  return {
    postUrl: `${web}${owner}/settings/apps/new?${new URLSearchParams({ state })}`,
    manifest: JSON.stringify(manifest),
    connectionId,
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

/**
 * Exchanges GitHub's one-time code for the new App and creates its connection.
 * @throws invalid_install_state (400), forbidden (another admin's flow), github_* (the code is
 *   unknown or used: 404), conflict (the connection exists already).
 */
export async function convertManifest(
  deps: ManifestDependencies,
  actor: OrgActor,
  orgSlug: string,
  input: { code: string; state: string },
): Promise<{ connection: Connection; webhookSecret: string }> {
  const state = verifyInstallState(deps.authSecret, input.state, "manifest");
  if (state.orgSlug !== orgSlug) throw new AppError("invalid_install_state", 400, "The App was created from another organisation's page.", { expose: true });
  if (state.userId !== actor.userId) throw forbidden("The App was created by another admin; finish it as that admin or start again.");
  const apiUrl = normaliseApiUrl(state.apiUrl ?? deps.defaultApiUrl, deps.allowLocal);
  const request = octokitRequest.defaults({ baseUrl: apiUrl, headers: { "user-agent": "ctxpipe" }, request: { fetch: deps.fetch } });
  let app: { id: number; slug?: string; name: string; pem: string; webhook_secret: string | null };
  try {
    ({ data: app } = await request("POST /app-manifests/{code}/conversions", { code: input.code }));
  } catch (err) {
    throw explainGithubError(err, "Finishing the App's creation");
  }
  if (!app.webhook_secret || !app.slug) {
    throw new AppError("github_error", 502, "GitHub created the App without a webhook secret or slug; connect it by hand instead.", { expose: true });
  }
  return createGithubConnection(
    deps,
    actor,
    { name: app.name.slice(0, 100), appId: app.id, appSlug: app.slug, privateKey: app.pem, apiUrl },
    { id: state.connectionId, webhookSecret: app.webhook_secret },
  );
}
