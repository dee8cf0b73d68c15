-- Shared fixed-window rate-limit counters (server/src/platform/http/rate-limit.ts).
-- Keys are IPs and account names, not org data, so the table has no row-level security.
create table rate_limit_buckets (
  bucket text primary key,
  window_start timestamptz not null,
  hits integer not null
);
