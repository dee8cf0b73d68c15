-- Backups written by `ctxpipe backup` (server/src/backup), so that `ctxpipe doctor` can say how
-- old the last one is. Operational data, not an organisation's: no row-level security, and the
-- application role has no access.
create table backup_runs (
  id uuid primary key default gen_random_uuid(),
  finished_at timestamptz not null default now(),
  schema_version text not null,
  bytes bigint not null check (bytes >= 0),
  encrypted boolean not null
);
create index backup_runs_finished_idx on backup_runs (finished_at desc);
revoke all on backup_runs from ctxpipe_app;
