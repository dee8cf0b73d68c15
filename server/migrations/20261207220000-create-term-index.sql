-- The term index for questions in words (docs/design/search-index.md, "Term index").
--
-- index_term_blobs: per org and git blob (content is stored once per org per blob, like
-- index_chunks), the blob's terms as 32-bit ids (identifier words, stemmed; definition names
-- whole), the most weighted first, with one byte of weighted frequency each (definition names
-- count 4, comments and docstrings 2, code 1) and the weighted length, for BM25. Written by the
-- index run with the blob's chunks and symbols (new blobs only), deleted with them by the
-- collector. A GIN index over the ids gives the candidate blobs of a term.
--
-- index_term_stats: per org and term id, how many blobs hold it (BM25's document frequency);
-- id 0 holds the number of blobs with terms, id 1 the sum of their lengths. A run adds its
-- new blobs' counts in one statement, in term order, just before it publishes; the collector
-- subtracts what it deletes (under the org's exclusive index lock). So the counts are exact
-- for what the runs committed.
create table index_term_blobs (
  org_id uuid not null references orgs (id) on delete cascade,
  blob_oid text not null,
  length integer not null,
  terms integer[] not null,
  weights bytea not null,
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

-- Ranks blobs for a question with BM25 (k1 1.2, b 0.75) over the weighted frequencies, in the
-- transaction's org (array overlap is not leakproof: under RLS the app role could not use the
-- GIN index). Candidates: blobs holding any of p_candidates (the question's rarest terms, the
-- caller's choice), at most p_cap of them, plus p_extra (path matches); only blobs of a file
-- visible in one of the repositories' published generations (p_repos, p_generations) count.
-- Every term of p_terms scores with its weight (idf and boosts, computed by the caller);
-- `mask` has bit i set when the blob holds the term p_terms[i + 1].
create function ctxpipe_rank_term_blobs(
  p_candidates integer[], p_terms integer[], p_weights real[], p_avg_length real,
  p_extra text[], p_repos uuid[], p_generations integer[], p_cap integer, p_limit integer)
  returns table (blob_oid text, score real, matched integer, mask bigint)
  language plpgsql stable security definer set search_path = public, pg_temp
  rows 200
  as $$
begin
  if cardinality(p_terms) > 63 or cardinality(p_candidates) > 63 or p_cap > 20000 or p_limit > 2000 then
    raise exception 'ctxpipe_rank_term_blobs: at most 63 terms, a cap of 20000 and a limit of 2000' using errcode = '22023';
  end if;
  return query execute
    'with cand as (
       (select t.blob_oid, t.terms, t.weights, t.length from index_term_blobs t
        where t.org_id = $1 and t.terms && $2 limit $8)
       union
       select t.blob_oid, t.terms, t.weights, t.length from index_term_blobs t
       where t.org_id = $1 and t.blob_oid = any($5)
     ), visible as (
       select c.* from cand c
       where exists (select 1 from index_files f join unnest($6::uuid[], $7::int[]) as r(id, gen) on r.id = f.repository_id
                     where f.org_id = $1 and f.blob_oid = c.blob_oid and f.valid_from <= r.gen and (f.valid_to is null or f.valid_to > r.gen))
     )
     select v.blob_oid, s.score::real, s.matched::int, s.mask from visible v
     cross join lateral (
       select coalesce(sum(q.w * x.tf * 2.2 / (x.tf + 1.2 * (0.25 + 0.75 * v.length / $4))), 0) as score, count(*) as matched,
         coalesce(bit_or(1::bigint << (q.ord::int - 1)), 0) as mask
       from unnest($3::int[], $9::real[]) with ordinality as q(term, w, ord)
       cross join lateral (select get_byte(v.weights, array_position(v.terms, q.term) - 1)::real as tf) x
       where x.tf is not null
     ) s
     order by s.score desc, v.blob_oid
     limit $10'
    using ctxpipe_current_org(), p_candidates, p_terms, greatest(p_avg_length, 1), p_extra, p_repos, p_generations, p_cap, p_weights, p_limit;
end
$$;

revoke all on function ctxpipe_rank_term_blobs(integer[], integer[], real[], real, text[], uuid[], integer[], integer, integer) from public;
grant execute on function ctxpipe_rank_term_blobs(integer[], integer[], real[], real, text[], uuid[], integer[], integer, integer) to ctxpipe_app;

-- Keep a blob's terms in its row (compressed when that helps): the ranking reads every
-- candidate's arrays, and an out-of-line TOAST value would cost a lookup per candidate.
alter table index_term_blobs alter column terms set storage main, alter column weights set storage main;
