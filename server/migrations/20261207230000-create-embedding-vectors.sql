-- Chunk vectors of the optional embedding model (server/src/embeddings, issue #29): questions in
-- words are ranked by meaning as well as by their words. Only written when MODEL_EMBEDDING_NAME
-- is set; without it both tables stay empty.
--
-- embedding_vectors: one row per (org, blob, chunk, model, dimensions), written once per blob
-- per organisation and model, like the chunks themselves. Portable (no extension): the unit
-- vector quantised to int8 with one scale (`vector`, `dims` bytes; component = byte × scale),
-- plus its sign bits (`sketch`), which a query compares first with `bit_count(sketch # q)` (a
-- Hamming distance in C) before the int8 vectors of the best candidates are scored exactly.
-- The foreign key to index_chunks removes a blob's vectors when the index collects the blob.
create table embedding_vectors (
  org_id uuid not null,
  blob_oid text not null,
  chunk_no integer not null,
  model text not null check (length(model) between 1 and 200),
  dims smallint not null check (dims between 8 and 4096),
  scale real not null check (scale >= 0),
  sketch bit varying(4096) not null,
  vector bytea not null,
  primary key (org_id, blob_oid, chunk_no, model, dims),
  foreign key (org_id, blob_oid, chunk_no) references index_chunks (org_id, blob_oid, chunk_no) on delete cascade,
  check (octet_length(vector) = dims and bit_length(sketch) = dims)
);
-- A question reads one organisation's rows through the primary key's leading org_id.

-- embedding_state: per organisation and model, the latest embedding run (what it set out to
-- embed, how far it got, the provider's last problem) and the tokens spent (today's, against
-- CTXPIPE_EMBEDDING_DAILY_TOKENS_PER_ORG, and in all).
create table embedding_state (
  org_id uuid not null references orgs (id) on delete cascade,
  model text not null check (length(model) between 1 and 200),
  dims smallint not null check (dims between 8 and 4096),
  status text not null default 'idle' check (status in ('idle', 'queued', 'running', 'paused', 'failed')),
  kind text check (kind in ('incremental', 'backfill')),
  done integer not null default 0 check (done >= 0),
  total integer not null default 0 check (total >= 0),
  note text check (length(note) <= 500),
  usage_day date not null default (now() at time zone 'utc')::date,
  usage_tokens bigint not null default 0 check (usage_tokens >= 0),
  tokens_total bigint not null default 0 check (tokens_total >= 0),
  updated_at timestamptz not null default now(),
  primary key (org_id, model, dims)
);

alter table embedding_vectors enable row level security;
create policy embedding_vectors_scope on embedding_vectors for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table embedding_state enable row level security;
create policy embedding_state_scope on embedding_state for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
