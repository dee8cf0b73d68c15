-- GitHub App installations bound to connections, and the repositories they bring.
--
-- connections.installation_id: the GitHub installation the connection acts for. One
-- installation (per GitHub host) binds to one connection across every organisation: the
-- unique index refuses a second binding without any org reading another's rows.
alter table connections add column installation_id bigint check (installation_id > 0);
create unique index connections_installation_key on connections ((config ->> 'apiUrl'), installation_id) where installation_id is not null;

-- repositories.connection_id / external_id: where a repository came from (null: added by URL)
-- and GitHub's numeric repository id, which survives renames and transfers.
alter table repositories add column connection_id text references connections (id) on delete set null;
alter table repositories add column external_id bigint;
alter table repositories add constraint repositories_external_check check (connection_id is null or external_id is not null);
create unique index repositories_connection_external_key on repositories (connection_id, external_id) where connection_id is not null;

-- webhook_deliveries.action: what the worker is to do, distilled from the body at receipt
-- (the body itself is not kept); null for events that need nothing.
alter table webhook_deliveries add column action jsonb;
create index webhook_deliveries_unprocessed_idx on webhook_deliveries (received_at) where processed_at is null;

-- The periodic reconcile (connections/github/reconcile.ts): when it is next due, what it found.
alter table connections add column next_reconcile_at timestamptz;
alter table connections add column last_reconcile jsonb;
create index connections_reconcile_idx on connections (next_reconcile_at) where next_reconcile_at is not null;

-- The webhook route also needs the connection's installation, to refuse other installations' payloads.
drop function ctxpipe_find_connection(text);
create function ctxpipe_find_connection(p_id text)
  returns table (org_id uuid, type text, secret_id uuid, installation_id bigint)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select c.org_id, c.type, c.secret_id, c.installation_id from connections c where c.id = p_id
  $$;
revoke all on function ctxpipe_find_connection(text) from public;
grant execute on function ctxpipe_find_connection(text) to ctxpipe_app;
