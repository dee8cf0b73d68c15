-- Periodic refresh of repositories added by URL (no webhooks to say they changed): the worker
-- checks each remote with `git ls-remote` (cheap when nothing changed) and queues an index run
-- when its branch moved. Each repository has its own interval (refresh_interval_seconds; null
-- follows the organisation's default in org_repository_settings, 300 s without a row; 0 turns
-- the checks off). next_check_at is when the next check is due (null: none is scheduled);
-- failing remotes back off (check_failures doubles the interval, up to a day). remote_commit is
-- the branch tip the last check saw.
alter table repositories
  add column refresh_interval_seconds integer
    check (refresh_interval_seconds is null or refresh_interval_seconds = 0 or refresh_interval_seconds between 60 and 86400),
  add column next_check_at timestamptz,
  add column last_check_at timestamptz,
  add column last_check_error text,
  add column check_failures integer not null default 0,
  add column remote_commit text;

create index repositories_next_check_idx on repositories (next_check_at) where next_check_at is not null;

create table org_repository_settings (
  org_id uuid primary key references orgs (id) on delete cascade,
  refresh_interval_seconds integer not null default 300
    check (refresh_interval_seconds = 0 or refresh_interval_seconds between 60 and 86400),
  updated_at timestamptz not null default now()
);
alter table org_repository_settings enable row level security;
create policy org_repository_settings_scope on org_repository_settings for all
  using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());

-- Existing repositories get their first check within five minutes, spread out.
update repositories set next_check_at = now() + random() * interval '5 minutes' where status <> 'unindexing';
