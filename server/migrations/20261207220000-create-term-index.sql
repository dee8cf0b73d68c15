-- The term index for questions in words (docs/design/search-index.md, "Term index").
--
-- index_term_blobs: per org and git blob (content is stored once per org per blob, like
-- index_chunks), the blob's terms as 32-bit keys: the term's id (a hash of the identifier word,
-- stemmed, or of a definition's whole name) with the level of its weighted frequency in the
-- two low bits (definition names count 4 per occurrence, comments and docstrings 2, code 1;
-- levels 1, 2-4, 5-15, 16+), the most weighted first, and the weighted length, for BM25. The
-- GIN index over the keys gives, for a term at a level, the blobs that hold it: a question
-- reads weights from the index alone. Written by the index run with the blob's chunks and
-- symbols (new blobs only), deleted with them by the collector.
--
-- index_term_stats: per org and key, how many blobs hold it (a term's document frequency is
-- the sum over its four levels); id 0 holds the number of blobs with terms, id 1 the sum of
-- their lengths (no key is below 4). A run adds its new blobs' counts in one statement, in key
-- order, just before it publishes; the collector subtracts what it deletes (under the org's
-- exclusive index lock). So the counts are exact for what the runs committed.
create table index_term_blobs (
  org_id uuid not null references orgs (id) on delete cascade,
  blob_oid text not null,
  length integer not null,
  terms integer[] not null,
  primary key (org_id, blob_oid)
);
create index index_term_blobs_terms_idx on index_term_blobs using gin (terms);

create table index_term_stats (
  org_id uuid not null references orgs (id) on delete cascade,
  term integer not null,
  blobs bigint not null,
  primary key (org_id, term)
);

alter table index_term_blobs enable row level security;
create policy index_term_blobs_scope on index_term_blobs for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table index_term_stats enable row level security;
create policy index_term_stats_scope on index_term_stats for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());

-- Ranks blobs for a question with BM25 (k1 1.2, b 0.5), in the transaction's org (array
-- containment is not leakproof: under RLS the app role could not use the GIN index). The
-- question's keys: p_keys[j] belongs to term p_terms[j] (an index into p_weights, the terms'
-- idf and boosts) and counts frequency p_tf[j]; the blobs of the keys with p_scan[j] are read
-- through the GIN index (the caller picks the most telling keys within a budget of postings),
-- and the blobs of p_extra (path matches) are scored on every key. With p_repos, only blobs
-- of a file visible in one of those repositories' published generations (p_generations)
-- count; without, the caller checks visibility. `mask` has bit i - 1 set when the blob holds
-- term i.
create function ctxpipe_rank_term_blobs(
  p_keys integer[], p_terms integer[], p_tf real[], p_scan boolean[], p_weights real[], p_avg_length real,
  p_extra text[], p_repos uuid[], p_generations integer[], p_limit integer)
  returns table (blob_oid text, score real, matched integer, mask bigint)
  language plpgsql stable security definer set search_path = public, pg_temp
  rows 200
  as $$
declare
  parts text[] := '{}';
begin
  if cardinality(p_keys) > 256 or cardinality(p_weights) > 63 or p_limit > 2000
     or cardinality(p_terms) <> cardinality(p_keys) or cardinality(p_tf) <> cardinality(p_keys) or cardinality(p_scan) <> cardinality(p_keys) then
    raise exception 'ctxpipe_rank_term_blobs: at most 256 keys of 63 terms, a limit of 2000, one term, tf and scan flag per key' using errcode = '22023';
  end if;
  for j in 1 .. coalesce(cardinality(p_keys), 0) loop
    if p_scan[j] then
      parts := array_append(parts, format('select t.blob_oid, t.length, %s as j from index_term_blobs t where t.org_id = $1 and t.terms @> array[%s]::int[]', j, p_keys[j]));
    end if;
  end loop;
  parts := array_append(parts, 'select t.blob_oid, t.length, k.j::int from index_term_blobs t cross join lateral unnest(t.terms) as u(key)
    join unnest($2::int[]) with ordinality as k(key, j) on k.key = u.key where t.org_id = $1 and t.blob_oid = any($7)');
  return query execute format(
    'with pairs as (select distinct p.blob_oid, p.length, p.j from (%s) p), scoped as (select p.* from pairs p %s)
     select s.blob_oid,
       sum($5[$3[s.j]] * $4[s.j] * 2.2 / ($4[s.j] + 1.2 * (0.5 + 0.5 * s.length::real / $6)))::real as score,
       count(distinct $3[s.j])::int as matched,
       bit_or(1::bigint << ($3[s.j] - 1)) as mask
     from scoped s group by s.blob_oid order by score desc, s.blob_oid limit $10',
    array_to_string(parts, ' union all '),
    case when p_repos is null then '' else
      'where p.blob_oid in (select f.blob_oid from index_files f join unnest($8::uuid[], $9::int[]) as r(id, gen) on r.id = f.repository_id
         where f.org_id = $1 and f.valid_from <= r.gen and (f.valid_to is null or f.valid_to > r.gen))' end)
    using ctxpipe_current_org(), p_keys, p_terms, p_tf, p_weights, greatest(p_avg_length, 1), p_extra, p_repos, p_generations, p_limit;
end
$$;

revoke all on function ctxpipe_rank_term_blobs(integer[], integer[], real[], boolean[], real[], real, text[], uuid[], integer[], integer) from public;
grant execute on function ctxpipe_rank_term_blobs(integer[], integer[], real[], boolean[], real[], real, text[], uuid[], integer[], integer) to ctxpipe_app;
