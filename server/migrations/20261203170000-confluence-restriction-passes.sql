-- Confluence restrictions (docs/confluence.md): a page's own view restriction is kept beside
-- the effective one (its own or an ancestor's), so every sync recomputes inheritance over the
-- whole tree; and a daily full sync re-reads every page's own restriction (restrictions change
-- without a new page version).
alter table documents add column own_restricted boolean not null default false;
update documents set own_restricted = restricted;
alter table confluence_connections add column next_full_sync_at timestamptz;
