-- The slowest call of each tool per day, for the admins' activity view (beside the average).
alter table mcp_usage_daily add column max_ms integer not null default 0;
