-- Connections of an organisation to a code host or docs source (GitHub Apps now, Atlassian
-- later): a public id (con_…, it appears in the webhook URL), the type, a name, non-secret
-- configuration (for GitHub: the App's id and slug, the API URL, later the installation),
-- the secrets in org_secrets (encrypted: the App's private key and webhook secret), and the
-- health the webhook and reconcile jobs report.
create table connections (
  id text primary key check (id ~ '^con_[a-z0-9]{20}$'),
  org_id uuid not null references orgs (id) on delete cascade,
  type text not null check (type in ('github')),
  name text not null check (length(name) between 1 and 100),
  config jsonb not null default '{}',
  secret_id uuid references org_secrets (id) on delete set null,
  status text not null default 'pending' check (status in ('pending', 'active', 'suspended', 'error')),
  last_delivery jsonb,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, name)
);
create index connections_org_idx on connections (org_id, created_at);
alter table connections enable row level security;
create policy connections_scope on connections for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
