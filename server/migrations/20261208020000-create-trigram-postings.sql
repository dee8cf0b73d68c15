-- Byte-trigram posting lists over index_chunks (ADR 007; docs/design/search-index.md, "Data
-- layout"). The indexer computes them in Node and writes them with the chunks, in the run's
-- transaction, so they appear with the generation that needs them and a crashed run leaves
-- nothing.
--
-- index_chunks.chunk_id: a number per chunk, for the lists to name. Ids come in blocks of 2^20
-- (index_chunk_id_blocks: block b holds ids b * 2^20 .. b * 2^20 + 2^20 - 1) that one run takes
-- and uses in write order, so a run's ids are consecutive and the lists' gaps small. Never
-- reused: a list naming a chunk that was collected finds no row. Chunks written before this
-- migration have none (and no lists) until their blob is stored again.
--
-- index_trigram_segments: what one run flushed together (up to about 32 MB of text): the range
-- of chunk ids it covers. index_trigram_postings: its lists, keyed by trigram (a 24-bit code:
-- three bytes, ASCII letters folded) or, for short lists, by bucket (2^24 + the code's first two
-- bytes; the row holds a directory of the bucket's lists). Lookups are by equality, which is
-- leakproof, so the app role reads them by index under row-level security. The collector
-- deletes a segment once none of its chunks is left; its rows go with it.
alter table index_chunks add column chunk_id bigint;
create unique index index_chunks_chunk_id_idx on index_chunks (org_id, chunk_id) where chunk_id is not null;

create sequence index_chunk_id_blocks;

create table index_trigram_segments (
  org_id uuid not null references orgs (id) on delete cascade,
  segment_id bigint not null,
  first_chunk bigint not null,
  last_chunk bigint not null,
  chunks integer not null,
  text_bytes bigint not null,
  primary key (org_id, segment_id)
);

create table index_trigram_postings (
  org_id uuid not null,
  segment_id bigint not null,
  key integer not null,
  postings bytea not null,
  primary key (org_id, segment_id, key),
  foreign key (org_id, segment_id) references index_trigram_segments (org_id, segment_id) on delete cascade
);
-- Varint lists do not compress: no pglz attempt; a long list moves to TOAST as it is.
alter table index_trigram_postings alter column postings set storage external;

alter table index_trigram_segments enable row level security;
create policy index_trigram_segments_scope on index_trigram_segments for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table index_trigram_postings enable row level security;
create policy index_trigram_postings_scope on index_trigram_postings for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
