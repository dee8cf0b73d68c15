-- Confluence as a docs source (docs/confluence.md): an organisation's Confluence connections
-- (server/src/connections/confluence) and the pages they sync as documents, searchable by
-- trigram over line chunks like code (server/src/documents). Row-level security on all three.
create table confluence_connections (
  id text primary key check (id ~ '^con_[a-z0-9]{20}$'),
  org_id uuid not null references orgs (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  -- The OAuth app's client id, the granted site (cloud id, URL, name), the space selection
  -- and whether restricted pages are included. No secret.
  config jsonb not null default '{}'::jsonb,
  -- Encrypted (org_secrets): the client secret and, once connected, the access and refresh tokens.
  secret_id uuid references org_secrets (id) on delete set null,
  status text not null default 'pending' check (status in ('pending', 'active', 'error')),
  -- The one authorisation under way: the sha256 of its state nonce, and until when it counts.
  pending_state text,
  pending_state_expires_at timestamptz,
  last_sync jsonb,
  last_error text,
  next_sync_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, name)
);
create index confluence_connections_due_idx on confluence_connections (next_sync_at) where next_sync_at is not null;

create table documents (
  id text primary key check (id ~ '^doc_[a-z0-9]{20}$'),
  org_id uuid not null references orgs (id) on delete cascade,
  connection_id text not null references confluence_connections (id) on delete cascade,
  -- The page's id in Confluence, and its parent page's.
  source_id text not null check (length(source_id) between 1 and 100),
  parent_source_id text,
  space_key text not null,
  space_name text not null,
  title text not null,
  url text not null,
  author text,
  version integer not null,
  updated_at timestamptz not null,
  -- The page (or an ancestor) has view restrictions.
  restricted boolean not null default false,
  -- Restricted and the connection does not include restricted pages: the row is kept (to
  -- reconcile the page tree), its text is not stored and nothing finds or reads it.
  withheld boolean not null default false,
  attachments integer not null default 0,
  line_count integer not null,
  synced_at timestamptz not null default now(),
  unique (connection_id, source_id)
);
create index documents_space_idx on documents (org_id, space_key);

-- The document's text (line 1 is "# <title>") in chunks of up to 200 lines.
create table document_chunks (
  document_id text not null references documents (id) on delete cascade,
  org_id uuid not null references orgs (id) on delete cascade,
  start_line integer not null check (start_line >= 1),
  content text not null,
  primary key (document_id, start_line)
);
create index document_chunks_trgm_idx on document_chunks using gin (content gin_trgm_ops);

alter table confluence_connections enable row level security;
create policy confluence_connections_scope on confluence_connections for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table documents enable row level security;
create policy documents_scope on documents for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table document_chunks enable row level security;
create policy document_chunks_scope on document_chunks for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
