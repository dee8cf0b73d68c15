/**
 * GitHub App connections of an organisation: create one from the App's id, slug and
 * private key (the webhook secret is generated here and shown once), list, read, delete. The
 * private key and webhook secret are stored encrypted in org_secrets and never returned; what
 * the API shows is the connection's public id, its configuration and health, and the values
 * to enter on GitHub (webhook, callback and setup URLs, permissions, events).
 */
import { createPrivateKey, randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { recordAudit, type OrgActor } from "../../accounts/index.js";
import type { SecretBox } from "../../platform/crypto/secret-box.js";
import type { Database } from "../../platform/db/database.js";
import { withTenant, type TenantScope, type Queryable } from "../../platform/db/tenant.js";
import { conflict, invalidInput, notFound } from "../../platform/errors.js";
import { isForbiddenAddress, isHostAllowListed } from "../../repositories/index.js";
import { deleteSecret, readSecret, replaceSecret, storeSecret } from "../../secrets/index.js";
import { newConnectionId } from "../connection-ids.js";

/** What GitHub must be told about the App, from this instance's origin and the connection id. */
export interface GithubRegistration {
  homepageUrl: string;
  callbackUrl: string;
  setupUrl: string;
  webhookUrl: string;
  permissions: Record<string, "read">;
  /** The events to tick on GitHub's form. */
  events: string[];
}

/** Which of the installation's repositories the organisation indexes. */
export interface RepositorySelection {
  /** All the installation can read, or the ones picked. */
  repositories: "all" | "some";
  /** Whether repositories the installation gains later are added on their own. */
  autoAdd: boolean;
}

/** A connection as the API shows it (no secret). */
export interface Connection {
  id: string;
  type: "github";
  name: string;
  status: "pending" | "active" | "suspended" | "error";
  config: { appId: number; appSlug: string; apiUrl: string };
  registration: GithubRegistration;
  /** The GitHub installation bound to it; null until installed. */
  installation: { id: number; account: string; accountType: string } | null;
  selection: RepositorySelection | null;
  lastDelivery: { at: string; event: string; result: string } | null;
  lastReconcile: { at: string; result: string } | null;
  lastError: string | null;
  /** What an admin should do next, or null when nothing is needed. */
  nextStep: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The stored configuration (connections.config). */
export interface StoredConfig {
  appId: number;
  appSlug: string;
  apiUrl: string;
  account?: { login: string; type: string };
  /**
   * The selection, and the GitHub ids of every repository the installation offered when it was
   * made or since (`known`): only repositories outside it are new, so auto-add never brings back
   * one left out of the pick or deleted from ctxpipe.
   */
  selection?: RepositorySelection & { known?: number[] };
}

/** What creating a GitHub connection takes. */
export interface GithubConnectionInput {
  name: string;
  appId: number;
  appSlug: string;
  /** The App's private key (PEM), as GitHub offers it for download. */
  privateKey: string;
  /** GitHub Enterprise Server's API URL; default https://api.github.com. */
  apiUrl?: string;
}

/** What the service needs. */
export interface ConnectionDependencies {
  db: Database;
  secretBox: SecretBox | undefined;
  baseUrl: string;
  /** The API URL of connections that name none: GITHUB_API_URL, else https://api.github.com. */
  defaultApiUrl: string;
  /** Development and tests: http API URLs and local addresses are allowed. */
  allowLocal: boolean;
  /** CTXPIPE_GIT_ALLOWED_HOSTS: hosts that may resolve to internal addresses (an API URL on one is refused otherwise). */
  allowedHosts?: readonly string[];
  /** Unindexes a deleted connection's repositories. */
  unlinkAll: (actor: OrgActor, connectionId: string) => Promise<unknown>;
  /** Drops a deleted connection's cached client. */
  forget: (connectionId: string) => void;
}

/** A connections row. */
export interface ConnectionRow {
  id: string;
  type: "github";
  name: string;
  status: Connection["status"];
  config: StoredConfig;
  secret_id: string | null;
  installation_id: string | null;
  last_delivery: Connection["lastDelivery"];
  last_reconcile: Connection["lastReconcile"];
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The GitHub permissions and events the App needs (read-only). */
export const GITHUB_PERMISSIONS: Record<string, "read"> = { contents: "read", metadata: "read" };
/** The events to subscribe to; `installation` and `installation_repositories` reach every App unasked. */
export const GITHUB_EVENTS = ["push", "repository"];

/** The web app's page GitHub sends the admin back to after installing (it finishes the binding). */
export const GITHUB_SETUP_PATH = "/github/setup";

/** The web app's page GitHub sends the admin back to after creating an App from a manifest. */
export const GITHUB_MANIFEST_PATH = "/github/manifest";

/** The registration values of connection `id` on this instance. */
export function registrationOf(baseUrl: string, id: string): GithubRegistration {
  return {
    homepageUrl: baseUrl,
    callbackUrl: `${baseUrl}${GITHUB_SETUP_PATH}`,
    setupUrl: `${baseUrl}${GITHUB_SETUP_PATH}`,
    webhookUrl: `${baseUrl}/api/v1/webhook/github/${id}`,
    permissions: GITHUB_PERMISSIONS,
    events: GITHUB_EVENTS,
  };
}

/** What to do next, from the connection's state. */
function nextStepOf(r: ConnectionRow): string | null {
  if (r.status === "suspended") return "The App is suspended on GitHub: unsuspend it in the installation's settings on GitHub.";
  if (r.installation_id === null) {
    return r.last_error
      ? "Install the App again (Install on GitHub): its installation was removed."
      : "Install the App on GitHub (Install on GitHub), then pick the repositories to index.";
  }
  if (!r.config.selection) return "Pick the repositories to index.";
  if (r.last_error) return `Fix the problem the last check reported: ${r.last_error}`;
  if (!r.last_delivery) return "No webhook delivery has arrived yet: check the App's webhook URL and secret on GitHub (Recent Deliveries shows GitHub's side).";
  return null;
}

/** Presents a row as the API shows it. */
export function presentConnection(baseUrl: string, r: ConnectionRow): Connection {
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    status: r.status,
    config: { appId: r.config.appId, appSlug: r.config.appSlug, apiUrl: r.config.apiUrl },
    registration: registrationOf(baseUrl, r.id),
    installation:
      r.installation_id === null ? null : { id: Number(r.installation_id), account: r.config.account?.login ?? "", accountType: r.config.account?.type ?? "" },
    selection: r.config.selection ? { repositories: r.config.selection.repositories, autoAdd: r.config.selection.autoAdd } : null,
    lastDelivery: r.last_delivery && { at: r.last_delivery.at, event: r.last_delivery.event, result: r.last_delivery.result },
    lastReconcile: r.last_reconcile,
    lastError: r.last_error,
    nextStep: nextStepOf(r),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/**
 * Checks that `pem` is an RSA private key (GitHub Apps sign with RS256).
 * @throws invalid_input naming the field.
 */
function checkPrivateKey(pem: string): void {
  const bad = (message: string) => invalidInput(`privateKey: ${message}`, { fields: [{ path: "privateKey", message }] });
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) throw bad("must be the PEM file GitHub generated (-----BEGIN RSA PRIVATE KEY-----)");
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa") throw new Error("not RSA");
  } catch {
    throw bad("is not a readable RSA private key");
  }
}

/** The API URL: https only (http too with allowLocal), without a trailing slash. */
export function normaliseApiUrl(raw: string, allowLocal: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidInput("apiUrl: not a URL", { fields: [{ path: "apiUrl", message: "not a URL" }] });
  }
  if ((url.protocol !== "https:" && !(allowLocal && url.protocol === "http:")) || url.username || url.password || url.search || url.hash) {
    throw invalidInput("apiUrl: an https URL without credentials, query or fragment, e.g. https://github.example.com/api/v3", {
      fields: [{ path: "apiUrl", message: "https only" }],
    });
  }
  return url.toString().replace(/\/+$/, "");
}

/**
 * Refuses an API URL whose host is (or resolves to) an internal address, unless allow-listed
 * (CTXPIPE_GIT_ALLOWED_HOSTS). A name that does not resolve now is let through: the calls say so.
 * @throws invalid_input (400).
 */
export async function checkApiHost(apiUrl: string, allowedHosts: readonly string[]): Promise<void> {
  const host = new URL(apiUrl).hostname.replace(/^\[|\]$/g, "");
  if (isHostAllowListed(host, allowedHosts)) return;
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return;
  }
  if (addresses.some(isForbiddenAddress)) {
    const message = `apiUrl: ${host} is an internal address; GitHub's API must be on a public host (or allowed with CTXPIPE_GIT_ALLOWED_HOSTS)`;
    throw invalidInput(message, { fields: [{ path: "apiUrl", message: "internal address" }] });
  }
}

/** The connection `id` in the transaction's org. @throws not_found. */
export async function findConnectionRow(tx: Queryable, id: string): Promise<ConnectionRow> {
  const { rows } = await tx.query<ConnectionRow>("select * from connections where id = $1", [id]);
  if (!rows[0]) throw notFound("connection");
  return rows[0];
}

/**
 * Creates a GitHub connection (status pending until an installation is bound). Returns it with
 * the generated webhook secret, which is shown this once.
 * @throws invalid_input (private key, API URL), conflict (name taken), secrets_unavailable.
 */
export async function createGithubConnection(
  deps: Pick<ConnectionDependencies, "db" | "secretBox" | "baseUrl" | "defaultApiUrl" | "allowLocal" | "allowedHosts">,
  actor: OrgActor,
  input: GithubConnectionInput,
  /** From the App-manifest flow: the id promised in the App's webhook URL, and GitHub's secret. */
  preset?: { id: string; webhookSecret: string },
): Promise<{ connection: Connection; webhookSecret: string }> {
  checkPrivateKey(input.privateKey);
  const apiUrl = normaliseApiUrl(input.apiUrl ?? deps.defaultApiUrl, deps.allowLocal);
  // An admin's API URL on an internal host is refused here, not met later as "GitHub answered 500".
  if (input.apiUrl !== undefined) await checkApiHost(apiUrl, deps.allowedHosts ?? []);
  const webhookSecret = preset?.webhookSecret ?? randomBytes(32).toString("hex");
  const id = preset?.id ?? newConnectionId();
  const row = await withTenant(deps.db, actor, async (tx) => {
    const { rows: taken } = await tx.query("select 1 from connections where name = $1", [input.name]);
    if (taken.length > 0) throw conflict(`A connection named "${input.name}" already exists.`);
    const secret = await storeSecret(
      deps.db,
      deps.secretBox,
      actor,
      { purpose: "github-app", plaintext: JSON.stringify({ privateKey: input.privateKey, webhookSecret }) },
      tx,
    );
    const { rows } = await tx
      .query<ConnectionRow>(`insert into connections (id, org_id, type, name, config, secret_id) values ($1, $2, 'github', $3, $4, $5) returning *`, [
        id,
        actor.orgId,
        input.name,
        JSON.stringify({ appId: input.appId, appSlug: input.appSlug, apiUrl }),
        secret.id,
      ])
      .catch((err: unknown) => {
        // Two creations with one name at once: the second meets the unique constraint.
        if ((err as { code?: string }).code === "23505") throw conflict(`A connection named "${input.name}" already exists.`);
        throw err;
      });
    await recordAudit(tx, actor, { action: "connection.created", targetType: "connection", targetId: id, details: { name: input.name, type: "github" } });
    return rows[0]!;
  });
  return { connection: presentConnection(deps.baseUrl, row), webhookSecret };
}

/** What an admin may change on a connection. */
export interface ConnectionUpdate {
  name?: string;
  appSlug?: string;
  /** A new private key of the same App (after generating one on GitHub). */
  privateKey?: string;
}

/**
 * Changes a connection's name, App slug or private key in place (its repositories stay).
 * @throws invalid_input (private key), conflict (name taken), not_found.
 */
export async function updateConnection(deps: ConnectionDependencies, actor: OrgActor, id: string, input: ConnectionUpdate): Promise<Connection> {
  if (input.privateKey !== undefined) checkPrivateKey(input.privateKey);
  const row = await withTenant(deps.db, actor, async (tx) => {
    const current = await findConnectionRow(tx, id);
    if (input.name !== undefined && input.name !== current.name) {
      const { rows: taken } = await tx.query("select 1 from connections where name = $1 and id <> $2", [input.name, id]);
      if (taken.length > 0) throw conflict(`A connection named "${input.name}" already exists.`);
    }
    const config = { ...current.config, ...(input.appSlug !== undefined ? { appSlug: input.appSlug } : {}) };
    const { rows } = await tx.query<ConnectionRow>(
      `update connections set name = coalesce($2, name), config = $3, last_error = case when $4 then null else last_error end, updated_at = now()
       where id = $1 returning *`,
      [id, input.name ?? null, JSON.stringify(config), input.privateKey !== undefined],
    );
    await recordAudit(tx, actor, {
      action: "connection.updated",
      targetType: "connection",
      targetId: id,
      details: { fields: Object.keys(input).filter((k) => input[k as keyof ConnectionUpdate] !== undefined) },
    });
    return rows[0]!;
  });
  if (input.privateKey !== undefined && row.secret_id) {
    const stored = JSON.parse(await readSecret(deps.db, deps.secretBox, actor, row.secret_id)) as { privateKey: string; webhookSecret: string };
    await replaceSecret(deps.db, deps.secretBox, actor, row.secret_id, JSON.stringify({ ...stored, privateKey: input.privateKey }));
    deps.forget(id); // the next call builds a client with the new key
  }
  return presentConnection(deps.baseUrl, row);
}

/**
 * Replaces the connection's webhook secret with a new one, answered this once: enter it on
 * GitHub next; deliveries signed with the old one are refused (401) from now on.
 */
export async function rotateWebhookSecret(deps: ConnectionDependencies, actor: OrgActor, id: string): Promise<{ webhookSecret: string }> {
  const row = await withTenant(deps.db, actor, (tx) => findConnectionRow(tx, id));
  if (!row.secret_id) throw notFound("connection");
  const webhookSecret = randomBytes(32).toString("hex");
  const stored = JSON.parse(await readSecret(deps.db, deps.secretBox, actor, row.secret_id)) as { privateKey: string; webhookSecret: string };
  await replaceSecret(deps.db, deps.secretBox, actor, row.secret_id, JSON.stringify({ ...stored, webhookSecret }));
  // Recorded once the new secret is in place (a failed replacement records nothing).
  await withTenant(deps.db, actor, (tx) => recordAudit(tx, actor, { action: "connection.secret_rotated", targetType: "connection", targetId: id }));
  return { webhookSecret };
}

/** The organisation's connections, oldest first. */
export async function listConnections(deps: Pick<ConnectionDependencies, "db" | "baseUrl">, scope: TenantScope): Promise<Connection[]> {
  return withTenant(deps.db, scope, async (tx) => {
    const { rows } = await tx.query<ConnectionRow>("select * from connections order by created_at, id");
    return rows.map((r) => presentConnection(deps.baseUrl, r));
  });
}

/** One connection (404 when it is not the organisation's). */
export async function getConnection(deps: Pick<ConnectionDependencies, "db" | "baseUrl">, scope: TenantScope, id: string): Promise<Connection> {
  return withTenant(deps.db, scope, async (tx) => presentConnection(deps.baseUrl, await findConnectionRow(tx, id)));
}

/** Deletes a connection after unindexing the repositories it brought, then its secrets. */
export async function deleteConnection(deps: ConnectionDependencies, actor: OrgActor, id: string): Promise<void> {
  await getConnection(deps, actor, id); // 404 before anything changes
  await deps.unlinkAll(actor, id);
  const secretId = await withTenant(deps.db, actor, async (tx) => {
    const row = await findConnectionRow(tx, id);
    await tx.query("delete from connections where id = $1", [id]);
    await recordAudit(tx, actor, { action: "connection.deleted", targetType: "connection", targetId: id, details: { name: row.name } });
    return row.secret_id;
  });
  deps.forget(id);
  if (secretId) await deleteSecret(deps.db, actor, secretId);
}
