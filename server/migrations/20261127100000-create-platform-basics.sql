-- Platform basics: trigram search, the application role, and worker heartbeats.

create extension if not exists pg_trgm;

-- The role request and job code runs as. It owns no table, so row-level security always
-- applies to it. Roles are cluster-wide: create it only once per cluster.
do $$
begin
  if not exists (select from pg_roles where rolname = 'ctxpipe_app') then
    create role ctxpipe_app nologin;
  end if;
end
$$;

-- The connecting (owner) role must be a member to switch to it at connect time.
grant ctxpipe_app to current_user;
grant usage on schema public to ctxpipe_app;
alter default privileges in schema public grant select, insert, update, delete on tables to ctxpipe_app;
alter default privileges in schema public grant usage, select on sequences to ctxpipe_app;

-- One row per worker process; refreshed by the heartbeat job, read by /.status.
create table worker_heartbeats (
  worker_id text primary key,
  role text not null check (role in ('worker', 'codesearch')),
  started_at timestamptz not null,
  last_seen_at timestamptz not null
);
create index worker_heartbeats_last_seen_idx on worker_heartbeats (role, last_seen_at desc);
