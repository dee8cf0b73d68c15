-- Streaming content search. ctxpipe_open_chunk_scan opens a cursor over the org's chunks that
-- match one pattern (through the trigram index, like the function it replaces: under RLS the
-- app role's ILIKE/regex cannot use an index). The caller fetches it in batches and stops as
-- soon as it holds enough files for a page, so a common word costs a few hundred chunks
-- instead of a capped full scan, and the chunk text comes back with the match (no second
-- read). The cursor is planned and permission-checked here, as the definer, scoped to the
-- transaction's org; it lives until it is closed or the transaction ends. With p_per_blob, it
-- reads the first matching chunks of each of a few given blobs (checks of a second pattern,
-- lines of a page).
-- ctxpipe_search_blobs (20261127170000) is no longer used.
create function ctxpipe_open_chunk_scan(p_mode text, p_pattern text, p_within text[], p_per_blob integer)
  returns refcursor
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
declare
  op text := case p_mode when 'like' then 'like' when 'ilike' then 'ilike' when 'regex' then '~' when 'iregex' then '~*' end;
  cur refcursor;
begin
  if op is null then
    raise exception 'unknown search mode %', p_mode using errcode = '22023';
  end if;
  if p_within is null then
    -- The whole org, through the trigram index.
    open cur no scroll for execute format(
      'select c.blob_oid, c.chunk_no, c.start_line, c.content from index_chunks c
       where c.org_id = $1 and c.content %s $2', op)
      using ctxpipe_current_org(), p_pattern;
  elsif p_per_blob is null then
    -- Some blobs (file: and lang: filters): the planner picks the trigram or the primary key index.
    open cur no scroll for execute format(
      'select c.blob_oid, c.chunk_no, c.start_line, c.content from index_chunks c
       where c.org_id = $1 and c.blob_oid = any($3) and c.content %s $2', op)
      using ctxpipe_current_org(), p_pattern, p_within;
  else
    -- A few blobs a search already holds: each blob''s first matching chunks, by primary key.
    open cur no scroll for execute format(
      'select c.blob_oid, c.chunk_no, c.start_line, c.content
       from unnest($3::text[]) as b(oid)
       cross join lateral (select c.blob_oid, c.chunk_no, c.start_line, c.content from index_chunks c
         where c.org_id = $1 and c.blob_oid = b.oid and c.content %s $2
         order by c.chunk_no limit $4) c', op)
      using ctxpipe_current_org(), p_pattern, p_within, p_per_blob;
  end if;
  return cur;
end
$$;

revoke all on function ctxpipe_open_chunk_scan(text, text, text[], integer) from public;
grant execute on function ctxpipe_open_chunk_scan(text, text, text[], integer) to ctxpipe_app;

drop function ctxpipe_search_blobs(text, text, integer, text[]);

-- file: filters through the trigram index on paths (as the app role, a regex on index_files
-- is a sequential scan under RLS, like content). Every include regex must match, ignoring case;
-- the caller applies visibility, exclusions and lang:.
create function ctxpipe_match_paths(p_include text[], p_limit integer)
  returns table (repository_id uuid, path text, blob_oid text, language text, valid_from integer, valid_to integer)
  language plpgsql stable security definer set search_path = public, pg_temp
  rows 1000
  as $$
declare
  cond text := '';
begin
  if p_include is null or cardinality(p_include) = 0 or cardinality(p_include) > 20 then
    raise exception 'ctxpipe_match_paths needs 1 to 20 patterns' using errcode = '22023';
  end if;
  for i in 1 .. cardinality(p_include) loop
    cond := cond || format(' and f.path ~* $2[%s]', i);
  end loop;
  return query execute
    'select f.repository_id, f.path, f.blob_oid, f.language, f.valid_from, f.valid_to from index_files f
     where f.org_id = $1' || cond || ' limit $3'
    using ctxpipe_current_org(), p_include, p_limit;
end
$$;

revoke all on function ctxpipe_match_paths(text[], integer) from public;
grant execute on function ctxpipe_match_paths(text[], integer) to ctxpipe_app;

-- lang: filters (equality is leakproof, so the app role uses this index under RLS).
create index index_files_language_idx on index_files (org_id, language);
