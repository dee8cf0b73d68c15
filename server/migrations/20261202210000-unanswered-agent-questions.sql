-- What agents asked that found nothing: the gaps in an organisation's indexed context. Only the
-- searches of search_code, find_symbol and find_references that returned no result are kept
-- (their query or name, at most 200 characters, credentials in URLs scrubbed), counted per
-- day, for 30 days; the arguments of every other call are never stored.
create table mcp_unanswered (
  org_id uuid not null references orgs (id) on delete cascade,
  day date not null,
  tool text not null,
  query text not null check (length(query) between 1 and 200),
  count integer not null default 1,
  last_at timestamptz not null default now(),
  primary key (org_id, day, tool, query)
);
alter table mcp_unanswered enable row level security;
create policy mcp_unanswered_scope on mcp_unanswered for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
