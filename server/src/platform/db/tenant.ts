/**
 * Tenant scoping for the database. Every org-owned query runs inside `withTenant`, which opens
 * a transaction on the app pool and sets the transaction-local settings that the row-level
 * security policies read (app.org_id, app.user_id). Because the settings are local to the
 * transaction they can never leak to the next user of a pooled connection.
 *
 * Work that must cross tenants (deleting an org's files, worker sweeps) uses
 * `unsafeAcrossTenants`, whose name and required reason make each use easy to audit.
 */
import type pg from "pg";
import type { Database } from "./database.js";
import { withTransaction, type TransactionOptions } from "./database.js";

/** Who a query acts for. `orgId` selects the tenant; `userId` the caller inside it. */
export interface TenantScope {
  orgId: string;
  userId?: string;
}

/** Anything that can run a query: a pool or a client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, "query">;

async function setScope(client: pg.PoolClient, orgId: string, userId: string): Promise<void> {
  await client.query("select set_config('app.org_id', $1, true), set_config('app.user_id', $2, true)", [orgId, userId]);
}

/**
 * Runs `fn` in a transaction scoped to one organisation. Row-level security limits every
 * org-owned table to that org's rows.
 */
export function withTenant<T>(db: Database, scope: TenantScope, fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  return withTransaction(
    db.app,
    async (client) => {
      await setScope(client, scope.orgId, scope.userId ?? "");
      return fn(client);
    },
    options,
  );
}

/**
 * Runs `fn` in a transaction scoped to one user and no organisation: it sees the orgs and
 * memberships that are the user's own (to list them), and no other org-owned rows.
 */
export function withUserScope<T>(db: Database, userId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return withTransaction(db.app, async (client) => {
    await setScope(client, "", userId);
    return fn(client);
  });
}

/**
 * DANGER: runs `fn` in a transaction on the owner pool, where row-level security does not
 * apply. Only for maintenance that must span tenants; `reason` documents the call site.
 */
export function unsafeAcrossTenants<T>(db: Database, reason: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  if (reason.trim().length < 10) throw new Error("unsafeAcrossTenants needs a reason");
  return withTransaction(db.unsafeSystem, fn);
}
