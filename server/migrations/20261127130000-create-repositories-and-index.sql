-- Repositories and the code-search index (docs/design/search-index.md).
--
-- Content is stored once per organisation and git blob: index_chunks holds each blob's text
-- as line-addressed chunks with a trigram index; index_files maps a repository's paths to
-- blobs for a range of index generations. A run writes new file rows for generation g+1 and
-- then publishes g+1 on the repository in one transaction, so a search always reads one
-- complete generation (never a half-written commit). Rows that fall out of the published
-- generation are deleted afterwards.

create table repositories (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references orgs (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  -- Normalised clone URL without credentials (https://, ssh://, scp-style, or a local path).
  url text not null,
  url_kind text not null check (url_kind in ('https', 'ssh', 'local')),
  -- The requested branch; null follows the remote's default branch.
  branch text,
  -- Encrypted credentials (token or username/password) in org_secrets.
  credentials_secret_id uuid references org_secrets (id) on delete set null,
  status text not null default 'queued'
    check (status in ('queued', 'running', 'ready', 'failed', 'complete_with_issues', 'unindexing')),
  -- The running step: {"key","index","total","label","done","of"}.
  step jsonb,
  indexed_commit text,
  indexed_branch text,
  indexed_at timestamptz,
  -- The published index generation: readers see file rows valid at this generation.
  generation integer not null default 0,
  file_count integer not null default 0,
  byte_count bigint not null default 0,
  -- Indexed bytes per language, e.g. {"typescript": 123456}.
  languages jsonb not null default '{}',
  -- Files skipped on the last run by reason, e.g. {"too_large": 3, "binary": 12}.
  skipped jsonb not null default '{}',
  -- User-facing error of the last failed run (sanitised: no credentials, no host paths).
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, name)
);
create index repositories_org_idx on repositories (org_id, name);

create table index_files (
  org_id uuid not null references orgs (id) on delete cascade,
  repository_id uuid not null references repositories (id) on delete cascade,
  path text not null,
  blob_oid text not null,
  language text,
  size integer not null,
  valid_from integer not null,
  -- Null while the file exists in the newest generation.
  valid_to integer,
  primary key (repository_id, path, valid_from)
);
create index index_files_blob_idx on index_files (org_id, blob_oid);
create index index_files_live_idx on index_files (repository_id, path) where valid_to is null;
create index index_files_path_trgm_idx on index_files using gin (path gin_trgm_ops);

create table index_chunks (
  org_id uuid not null references orgs (id) on delete cascade,
  blob_oid text not null,
  chunk_no integer not null,
  start_line integer not null,
  line_count integer not null,
  content text not null,
  primary key (org_id, blob_oid, chunk_no)
);
create index index_chunks_content_trgm_idx on index_chunks using gin (content gin_trgm_ops);

create table index_symbols (
  org_id uuid not null references orgs (id) on delete cascade,
  blob_oid text not null,
  language text not null,
  name text not null,
  kind text not null,
  container text,
  start_line integer not null,
  end_line integer not null,
  signature text not null
);
create index index_symbols_blob_idx on index_symbols (org_id, blob_oid, language);
create index index_symbols_name_idx on index_symbols (org_id, lower(name) text_pattern_ops);
create index index_symbols_name_trgm_idx on index_symbols using gin (name gin_trgm_ops);

-- Blobs whose symbols were extracted (also when a blob has none), per language.
create table index_symbol_blobs (
  org_id uuid not null references orgs (id) on delete cascade,
  blob_oid text not null,
  language text not null,
  primary key (org_id, blob_oid, language)
);

alter table repositories enable row level security;
create policy repositories_scope on repositories for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table index_files enable row level security;
create policy index_files_scope on index_files for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table index_chunks enable row level security;
create policy index_chunks_scope on index_chunks for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table index_symbols enable row level security;
create policy index_symbols_scope on index_symbols for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table index_symbol_blobs enable row level security;
create policy index_symbol_blobs_scope on index_symbol_blobs for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
