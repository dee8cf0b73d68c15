/**
 * The SQL of a GitHub webhook delivery's life after it was recorded (webhook_deliveries and
 * the connection's state it changes): claim it for one worker, release the claim for a retry,
 * record its result, and the installation's state a delivery or a reconcile sets (suspended,
 * unsuspended, unbound). The `connection.webhook` job (delivery.job.ts) and the reconcile
 * (reconcile.service.ts) call these; they run no SQL themselves.
 */
import type { Database } from "../../platform/db/database.js";
import { withTenant, type TenantScope } from "../../platform/db/tenant.js";
import type { GithubAction } from "./github-events.js";

/** One recorded delivery of a connection. */
export interface DeliveryRef {
  orgId: string;
  connectionId: string;
  deliveryId: string;
}

/**
 * Claims a delivery for this worker: one worker acts on a delivery at a time (a claim older
 * than 15 minutes is stale).
 * @returns its action, or undefined when it is done, claimed by another worker, or gone with
 * its connection.
 */
export async function claimDelivery(db: Database, ref: DeliveryRef): Promise<GithubAction | undefined> {
  return withTenant(db, { orgId: ref.orgId }, async (tx) => {
    const { rows } = await tx.query<{ action: GithubAction | null }>(
      `update webhook_deliveries set claimed_at = now()
       where connection_id = $1 and delivery_id = $2 and processed_at is null
         and (claimed_at is null or claimed_at < now() - interval '15 minutes')
       returning action`,
      [ref.connectionId, ref.deliveryId],
    );
    return rows[0]?.action ?? undefined;
  });
}

/** Releases a delivery's claim, so that the queue's retry can claim it again. */
export async function releaseDelivery(db: Database, ref: DeliveryRef): Promise<void> {
  await withTenant(db, { orgId: ref.orgId }, (tx) =>
    tx.query("update webhook_deliveries set claimed_at = null where connection_id = $1 and delivery_id = $2", [ref.connectionId, ref.deliveryId]),
  );
}

/** Records a delivery's result on it and on the connection (its last delivery; its last error when `failed`). */
export async function recordDelivery(db: Database, ref: DeliveryRef, result: string, failed: boolean): Promise<void> {
  await withTenant(db, { orgId: ref.orgId }, async (tx) => {
    await tx.query("update webhook_deliveries set processed_at = now(), result = $3 where connection_id = $1 and delivery_id = $2", [
      ref.connectionId,
      ref.deliveryId,
      result,
    ]);
    await tx.query(
      `update connections set updated_at = now(),
         last_delivery = case when last_delivery ->> 'id' = $2 then last_delivery || jsonb_build_object('result', $3::text) else last_delivery end,
         last_error = case when $4 then $3 else last_error end
       where id = $1`,
      [ref.connectionId, ref.deliveryId, result, failed],
    );
  });
}

/** Marks the connection suspended, or active again (unsuspended: a reconcile is due at once). */
export async function setInstallationSuspended(db: Database, scope: TenantScope, connectionId: string, suspended: boolean): Promise<void> {
  await withTenant(db, scope, (tx) =>
    tx.query(
      `update connections set status = $2, status_version = status_version + 1, updated_at = now(),
         next_reconcile_at = case when $3 then now() else next_reconcile_at end where id = $1`,
      [connectionId, suspended ? "suspended" : "active", !suspended],
    ),
  );
}

/**
 * Unbinds the connection's installation (uninstalled on GitHub); its repositories stay indexed.
 * With `expectedVersion` (a reconcile's), only if its status_version has not moved since.
 * @returns whether it was unbound.
 */
export async function unbindInstallation(db: Database, scope: TenantScope, connectionId: string, why: string, expectedVersion?: string): Promise<boolean> {
  const { rowCount } = await withTenant(db, scope, (tx) =>
    tx.query(
      `update connections set installation_id = null, status = 'pending', last_error = $2, next_reconcile_at = null,
         config = config - 'selection', status_version = status_version + 1, updated_at = now()
       where id = $1 and ($3::bigint is null or status_version = $3::bigint)`,
      [connectionId, why, expectedVersion ?? null],
    ),
  );
  return (rowCount ?? 0) > 0;
}
