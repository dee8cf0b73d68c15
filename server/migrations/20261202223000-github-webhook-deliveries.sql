-- GitHub webhook deliveries, by X-GitHub-Delivery per connection: a delivery GitHub repeats is
-- recognised and not processed twice. result says what the worker made of it.
create table webhook_deliveries (
  org_id uuid not null references orgs (id) on delete cascade,
  connection_id text not null references connections (id) on delete cascade,
  delivery_id text not null check (length(delivery_id) between 1 and 100),
  event text not null check (length(event) between 1 and 100),
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  result text,
  primary key (connection_id, delivery_id)
);
create index webhook_deliveries_received_idx on webhook_deliveries (org_id, received_at);
alter table webhook_deliveries enable row level security;
create policy webhook_deliveries_scope on webhook_deliveries for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());

-- The webhook route knows only the connection id in its URL: this finds the connection's org
-- and secret before any tenant scope exists (nothing else of the row).
create function ctxpipe_find_connection(p_id text)
  returns table (org_id uuid, type text, secret_id uuid)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select c.org_id, c.type, c.secret_id from connections c where c.id = p_id
  $$;
revoke all on function ctxpipe_find_connection(text) from public;
grant execute on function ctxpipe_find_connection(text) to ctxpipe_app;
