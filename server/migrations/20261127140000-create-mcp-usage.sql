-- Per-organisation MCP usage, one row per day and tool, for the org's usage view.
create table mcp_usage_daily (
  org_id uuid not null references orgs (id) on delete cascade,
  day date not null,
  tool text not null,
  calls integer not null default 0,
  errors integer not null default 0,
  total_ms bigint not null default 0,
  primary key (org_id, day, tool)
);
alter table mcp_usage_daily enable row level security;
create policy mcp_usage_daily_scope on mcp_usage_daily for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
