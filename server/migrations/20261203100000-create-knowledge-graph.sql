-- The organisation's knowledge graph (server/src/graph, docs/knowledge-graph.md): facts that
-- deterministic extractors read from the files of each repository's published index, every
-- fact with its source file and line. A fact belongs to exactly one source file, so the
-- index run that changes, renames or deletes the file replaces or removes exactly its facts,
-- in the run's own transaction (the graph never shows a file's old facts next to its new
-- content).
--
-- graph_sources: the files the extractors read at the live generation (one row per path),
-- with the blob and the extractor version that read them; a newer version re-reads them.
create table graph_sources (
  org_id uuid not null references orgs (id) on delete cascade,
  repository_id uuid not null references repositories (id) on delete cascade,
  path text not null,
  blob_oid text not null,
  extractor text not null,
  version integer not null,
  -- Why the file gave no facts (unparsable, too many entries), shown by the graph's API.
  problem text,
  primary key (repository_id, path)
);
create index graph_sources_org_idx on graph_sources (org_id);

-- graph_facts: subject, predicate, object. Node keys are global for what repositories share
-- (npm:<name>, go:<module>, cargo:<name>, pypi:<name>, image:<name>, owner:<handle>), so a
-- package one repository defines and another consumes meet on one key; keys of things that
-- live in one repository carry its id (service:<repoId>:<name>, decision:<repoId>:<path>).
-- predicate 'is' declares a node (object: its kind, props: its attributes); any other
-- predicate is an edge to the node `object`.
create table graph_facts (
  org_id uuid not null references orgs (id) on delete cascade,
  repository_id uuid not null,
  source_path text not null,
  line integer not null check (line >= 1),
  subject text not null check (length(subject) between 1 and 600),
  predicate text not null check (predicate ~ '^[a-z_]{1,40}$'),
  object text not null check (length(object) between 1 and 600),
  props jsonb not null default '{}',
  foreign key (repository_id, source_path) references graph_sources (repository_id, path) on delete cascade
);
create index graph_facts_source_idx on graph_facts (repository_id, source_path);
create index graph_facts_subject_idx on graph_facts (org_id, subject, predicate);
create index graph_facts_object_idx on graph_facts (org_id, object, predicate) where predicate <> 'is';
create index graph_facts_node_search_idx on graph_facts using gin (lower(subject || ' ' || coalesce(props ->> 'name', '')) gin_trgm_ops)
  where predicate = 'is';

-- graph_state: the extractor version that last read each repository (a newer one re-reads
-- every relevant file at the next run).
create table graph_state (
  repository_id uuid primary key references repositories (id) on delete cascade,
  org_id uuid not null references orgs (id) on delete cascade,
  version integer not null,
  updated_at timestamptz not null default now()
);

alter table graph_sources enable row level security;
create policy graph_sources_scope on graph_sources for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table graph_facts enable row level security;
create policy graph_facts_scope on graph_facts for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table graph_state enable row level security;
create policy graph_state_scope on graph_state for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
