-- The API key an audited action was taken with (null for sessions, the CLI and ctxpipe
-- itself), so the audit log can say which key acted, not only whose (issue #27). Not a
-- foreign key: an event outlives the key it names.
alter table audit_events add column actor_api_key_id text;
