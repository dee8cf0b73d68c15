/**
 * What a GitHub webhook delivery asks of ctxpipe, read from its body at receipt so that the
 * body itself need not be kept: `distilGithubEvent` turns an event and its JSON into a small
 * action for the worker, or says why it needs none. Payloads of another installation than the
 * connection's are refused here; only the fields ctxpipe uses are read, each checked.
 */

/**
 * A repository as a webhook names it. Its `clone_url` is not read: a clone URL comes from the
 * connection's host, never from a payload (anyone holding the webhook secret can sign one).
 */
export interface EventRepository {
  id: number;
  fullName: string;
  defaultBranch: string;
}

/** What the worker is to do with a delivery. */
export type GithubAction =
  | { kind: "push"; repositoryId: number; ref: string; defaultBranch: string; after: string }
  | { kind: "installation"; action: "deleted" | "suspend" | "unsuspend" }
  | { kind: "repositories_added"; repositoryIds: number[] }
  | { kind: "repositories_removed"; repositoryIds: number[] }
  | { kind: "repository_changed"; repository: EventRepository; defaultBranchChanged: boolean }
  | { kind: "repository_deleted"; repositoryId: number };

/** The outcome: an action, or the reason none is needed (recorded as the delivery's result). */
export type Distilled = { action: GithubAction } | { ignored: string };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const id = (v: unknown): number | undefined => (typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : undefined);
const text = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 && v.length <= 1000 ? v : undefined);

function repositoryOf(v: unknown): EventRepository | undefined {
  if (!isObject(v)) return undefined;
  const repositoryId = id(v.id);
  const fullName = text(v.full_name);
  const defaultBranch = text(v.default_branch);
  if (!repositoryId || !fullName || !defaultBranch) return undefined;
  return { id: repositoryId, fullName, defaultBranch };
}

function idsOf(list: unknown): number[] {
  return Array.isArray(list) ? list.flatMap((r) => (isObject(r) && id(r.id) ? [id(r.id)!] : [])).slice(0, 10_000) : [];
}

/**
 * Distils one delivery. `installationId` is the connection's (null before one is bound).
 * @returns the action, or why there is none (another installation's payload, an event or
 *   action ctxpipe does not act on, a push to a tag).
 */
export function distilGithubEvent(event: string, body: unknown, installationId: number | null): Distilled {
  if (!isObject(body)) return { ignored: "the body is not a JSON object" };
  if (event === "ping") return { ignored: "ping: the webhook works" };
  const payloadInstallation = isObject(body.installation) ? id(body.installation.id) : undefined;
  if (installationId === null) return { ignored: "no installation is bound to this connection yet; install the App from ctxpipe" };
  if (payloadInstallation !== installationId) return { ignored: `installation ${payloadInstallation ?? "(none)"} is not this connection's` };
  const action = text(body.action);
  switch (event) {
    case "push": {
      const repository = repositoryOf(body.repository);
      const ref = text(body.ref);
      const after = text(body.after);
      if (!repository || !ref || !after) return { ignored: "push: the payload lacks its repository or ref" };
      if (body.deleted === true) return { ignored: `push: ${ref} was deleted` };
      if (!ref.startsWith("refs/heads/")) return { ignored: `push: ${ref} is not a branch` };
      return { action: { kind: "push", repositoryId: repository.id, ref, defaultBranch: repository.defaultBranch, after } };
    }
    case "installation":
      if (action === "deleted" || action === "suspend" || action === "unsuspend") return { action: { kind: "installation", action } };
      return { ignored: `installation.${action ?? "?"}: nothing to do` };
    case "installation_repositories":
      if (action === "added") return { action: { kind: "repositories_added", repositoryIds: idsOf(body.repositories_added) } };
      if (action === "removed") return { action: { kind: "repositories_removed", repositoryIds: idsOf(body.repositories_removed) } };
      return { ignored: `installation_repositories.${action ?? "?"}: nothing to do` };
    case "repository": {
      const repository = repositoryOf(body.repository);
      if (!repository) return { ignored: "repository: the payload lacks its repository" };
      if (action === "deleted") return { action: { kind: "repository_deleted", repositoryId: repository.id } };
      if (action === "renamed" || action === "transferred") return { action: { kind: "repository_changed", repository, defaultBranchChanged: false } };
      if (action === "edited" && isObject(body.changes) && "default_branch" in body.changes) {
        return { action: { kind: "repository_changed", repository, defaultBranchChanged: true } };
      }
      return { ignored: `repository.${action ?? "?"}: nothing to do` };
    }
    default:
      return { ignored: `${event}: not an event ctxpipe subscribes to` };
  }
}
