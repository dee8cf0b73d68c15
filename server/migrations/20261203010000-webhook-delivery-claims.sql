-- Webhook deliveries: when the worker's job was last queued (the upkeep loop re-queues one that
-- is still unprocessed a minute later, and not again for another minute), and when a worker
-- claimed it (one worker acts on a delivery at a time; a claim older than 15 minutes is stale).
alter table webhook_deliveries add column queued_at timestamptz;
alter table webhook_deliveries add column claimed_at timestamptz;
