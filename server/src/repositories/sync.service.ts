/**
 * The repositories row's side of the index run jobs (sync.job.ts holds the jobs and runs no
 * SQL): what a run fetches, the status and step it shows while it works, the git credentials
 * it uses, and the purge of a repository being deleted (its row, then the index rows no
 * other repository of the organisation needs).
 */
import { collectGarbage, repositoryBlobs } from "../indexing/index.js";
import type { SecretBox } from "../platform/crypto/secret-box.js";
import type { Database } from "../platform/db/database.js";
import { withTenant } from "../platform/db/tenant.js";
import { readSecret } from "../secrets/index.js";
import type { GitCredentials } from "./git/git-runner.js";
import type { RepositoryCredentials } from "./repository.service.js";

/** One repository of one organisation. */
export interface RepositoryRef {
  orgId: string;
  repositoryId: string;
}

/** What an index run reads of its repository before it fetches. */
export interface SyncTarget {
  url: string;
  branch: string | null;
  credentials_secret_id: string | null;
  connection_id: string | null;
  status: string;
}

/** Resolves the git credentials of a connection's repositories (minted by the connections capability). */
export type ConnectionCredentials = (orgId: string, connectionId: string) => Promise<GitCredentials>;

/** The repository an index run is about to fetch, or undefined when it is gone. */
export async function readSyncTarget(db: Database, ref: RepositoryRef): Promise<SyncTarget | undefined> {
  return withTenant(db, { orgId: ref.orgId }, async (tx) => {
    const { rows } = await tx.query<SyncTarget>("select url, branch, credentials_secret_id, connection_id, status from repositories where id = $1", [
      ref.repositoryId,
    ]);
    return rows[0];
  });
}

/**
 * Sets what a run shows on its repository: the status, the step (null when none) and the error
 * (null when none); a field left out is kept. A repository being deleted is left alone.
 */
export async function setSyncState(db: Database, ref: RepositoryRef, fields: { status?: string; step?: unknown; error?: string | null }): Promise<void> {
  await withTenant(db, { orgId: ref.orgId }, (tx) =>
    tx.query(
      `update repositories set
         status = coalesce($2, status),
         step = case when $3::boolean then $4::jsonb else step end,
         error = case when $5::boolean then $6 else error end,
         updated_at = now()
       where id = $1 and status <> 'unindexing'`,
      [ref.repositoryId, fields.status ?? null, "step" in fields, JSON.stringify(fields.step ?? null), "error" in fields, fields.error ?? null],
    ),
  );
}

/**
 * Deletes a repository marked for deletion (status unindexing; its file rows cascade), then
 * collects the chunks and symbols no other file of the organisation refers to.
 */
export async function purgeRepository(db: Database, ref: RepositoryRef): Promise<void> {
  const blobs = await withTenant(db, { orgId: ref.orgId }, async (tx) => {
    const held = await repositoryBlobs(tx, ref.repositoryId);
    await tx.query("delete from repositories where id = $1 and status = 'unindexing'", [ref.repositoryId]);
    return held;
  });
  await withTenant(db, { orgId: ref.orgId }, (tx) => collectGarbage(tx, { orgId: ref.orgId }, blobs));
}

function toGitCredentials(c: RepositoryCredentials): GitCredentials {
  return "token" in c ? { username: c.username, password: c.token } : { username: c.username, password: c.password };
}

/** The git credentials stored (encrypted) for a repository, or undefined without any. */
export async function readGitCredentials(
  db: Database,
  secretBox: SecretBox | undefined,
  orgId: string,
  secretId: string | null,
): Promise<GitCredentials | undefined> {
  if (!secretId) return undefined;
  return toGitCredentials(JSON.parse(await readSecret(db, secretBox, { orgId }, secretId)) as RepositoryCredentials);
}

/**
 * The credentials git uses for a repository: its connection's (a short-lived token), else the
 * ones stored with it, else none.
 */
export async function credentialsOf(
  deps: { db: Database; secretBox: SecretBox | undefined; connectionCredentials: ConnectionCredentials },
  orgId: string,
  repo: { credentials_secret_id: string | null; connection_id: string | null },
): Promise<GitCredentials | undefined> {
  if (repo.connection_id) return deps.connectionCredentials(orgId, repo.connection_id);
  return readGitCredentials(deps.db, deps.secretBox, orgId, repo.credentials_secret_id);
}
