-- MCP usage per client as well: the API key ("API key: <name>") or the OAuth app ("<its
-- self-asserted name> (OAuth)") that made the calls, as it was named when it called. Rows from
-- before this migration have the client ''.
alter table mcp_usage_daily add column client text not null default '';
alter table mcp_usage_daily drop constraint mcp_usage_daily_pkey;
alter table mcp_usage_daily add primary key (org_id, day, tool, client);
