/**
 * Receiving GitHub webhooks at /api/v1/webhook/github/{connectionId}: the connection is found
 * by its public id (ctxpipe_find_connection, before any tenant scope), the body's
 * HMAC-SHA256 is checked in constant time against the connection's webhook secret
 * (@octokit/webhooks-methods), the delivery is recorded once per X-GitHub-Delivery (a repeat
 * is acknowledged; one still unprocessed is queued again), and the connection's last delivery
 * is updated. What the delivery asks is distilled at once (github-events.ts: payloads of
 * another installation are ignored); the worker acts on it (`connection.webhook` job, queued
 * after the row is committed; the reconcile loop re-queues any whose queueing was lost). The
 * caller gets 202 at once.
 */
import { verify } from "@octokit/webhooks-methods";
import type { SecretBox } from "../../platform/crypto/secret-box.js";
import type { Database } from "../../platform/db/database.js";
import { withTenant } from "../../platform/db/tenant.js";
import { AppError, badRequest, notFound } from "../../platform/errors.js";
import { readSecret } from "../../secrets/index.js";
import { distilGithubEvent } from "./github-events.js";
import type { DeliveryJobData } from "./delivery.job.js";

/** What accepting a delivery needs. */
export interface WebhookDependencies {
  db: Database;
  secretBox: SecretBox | undefined;
  /** Queues the `connection.webhook` job. */
  enqueueDelivery: (data: DeliveryJobData) => Promise<void>;
}

/** A delivery as the route hands it over. */
export interface GithubDelivery {
  connectionId: string;
  /** X-GitHub-Event. */
  event: string;
  /** X-GitHub-Delivery. */
  deliveryId: string;
  /** X-Hub-Signature-256: `sha256=<hex>`. */
  signature: string;
  /** The raw body, exactly as received (the signature covers these bytes). */
  body: string;
}

/** What was accepted: the org it belongs to and whether it is new. */
export interface AcceptedDelivery {
  orgId: string;
  connectionId: string;
  deliveryId: string;
  event: string;
  duplicate: boolean;
}

const CONNECTION_ID = /^con_[a-z0-9]{20}$/;
const HEADER_VALUE = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Checks and records a delivery.
 * @throws not_found (unknown connection), invalid_signature (401), bad_request (missing headers,
 *   a body that is not JSON).
 */
export async function acceptGithubDelivery(deps: WebhookDependencies, delivery: GithubDelivery): Promise<AcceptedDelivery> {
  if (!CONNECTION_ID.test(delivery.connectionId)) throw notFound("connection");
  const { rows } = await deps.db.app.query<{ org_id: string; type: string; secret_id: string | null; installation_id: string | null }>(
    "select * from ctxpipe_find_connection($1)",
    [delivery.connectionId],
  );
  const connection = rows[0];
  if (connection?.type !== "github" || !connection.secret_id) throw notFound("connection");
  const scope = { orgId: connection.org_id };
  const { webhookSecret } = JSON.parse(await readSecret(deps.db, deps.secretBox, scope, connection.secret_id)) as { webhookSecret: string };
  // Constant-time HMAC check of the raw bytes, before anything in the body is looked at.
  const valid = delivery.signature.startsWith("sha256=") && (await verify(webhookSecret, delivery.body, delivery.signature).catch(() => false));
  if (!valid) throw new AppError("invalid_signature", 401, "The webhook signature (X-Hub-Signature-256) does not match this connection's secret.");
  if (!HEADER_VALUE.test(delivery.event) || !HEADER_VALUE.test(delivery.deliveryId)) {
    throw badRequest("X-GitHub-Event and X-GitHub-Delivery are required.");
  }
  let body: unknown;
  try {
    body = JSON.parse(delivery.body);
  } catch {
    throw badRequest("The webhook body is not JSON: set the App's webhook content type to application/json.");
  }
  const distilled = distilGithubEvent(delivery.event, body, connection.installation_id === null ? null : Number(connection.installation_id));
  const action = "action" in distilled ? distilled.action : null;
  const result = "ignored" in distilled ? distilled.ignored : "queued";
  const { duplicate, pending } = await withTenant(deps.db, scope, async (tx) => {
    const inserted = await tx.query(
      `insert into webhook_deliveries (org_id, connection_id, delivery_id, event, action, processed_at, result, queued_at)
       values ($1, $2, $3, $4, $5, case when $5::jsonb is null then now() end, case when $5::jsonb is null then $6 end,
               case when $5::jsonb is not null then now() end)
       on conflict (connection_id, delivery_id) do nothing`,
      [connection.org_id, delivery.connectionId, delivery.deliveryId, delivery.event, action && JSON.stringify(action), result],
    );
    if (inserted.rowCount === 0) {
      // GitHub redelivers what it thinks failed: queue it again if it was never processed.
      const { rows: again } = await tx.query(
        `update webhook_deliveries set queued_at = now()
         where connection_id = $1 and delivery_id = $2 and processed_at is null and claimed_at is null returning 1`,
        [delivery.connectionId, delivery.deliveryId],
      );
      return { duplicate: true, pending: again.length > 0 };
    }
    await tx.query(`update connections set last_delivery = $2, updated_at = now() where id = $1`, [
      delivery.connectionId,
      JSON.stringify({ id: delivery.deliveryId, at: new Date().toISOString(), event: delivery.event, result }),
    ]);
    return { duplicate: false, pending: action !== null };
  });
  if (pending) await deps.enqueueDelivery({ orgId: connection.org_id, connectionId: delivery.connectionId, deliveryId: delivery.deliveryId });
  return { orgId: connection.org_id, connectionId: delivery.connectionId, deliveryId: delivery.deliveryId, event: delivery.event, duplicate };
}
