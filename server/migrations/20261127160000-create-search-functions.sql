-- Trigram searches through narrow SECURITY DEFINER functions.
--
-- Under row-level security Postgres may only use an index for a condition whose operator is
-- LEAKPROOF, and LIKE, ILIKE, ~, ~* and pg_trgm's % are not: as the app role, every content
-- search was a sequential scan of index_chunks. These functions run as the owner, so the
-- planner uses the trigram indexes, and they filter on the transaction's org scope
-- (ctxpipe_current_org(), the same setting the RLS policies read): they see exactly the rows
-- RLS would show, and nothing without a scope. Patterns are bound parameters; the operator is
-- chosen from a fixed list.

-- Blobs of the current org with a chunk matching the pattern; at most p_chunk_limit chunks
-- are examined (callers flag the result partial when the limit is reached).
create function ctxpipe_search_blobs(p_mode text, p_pattern text, p_chunk_limit integer)
  returns table (blob_oid text, chunks bigint)
  language plpgsql stable security definer set search_path = public, pg_temp
  as $$
declare
  op text := case p_mode when 'like' then 'like' when 'ilike' then 'ilike' when 'regex' then '~' when 'iregex' then '~*' end;
begin
  if op is null then
    raise exception 'unknown search mode %', p_mode using errcode = '22023';
  end if;
  -- A custom plan per call: the planner sees the pattern and picks the trigram index.
  return query execute format(
    'select c.blob_oid, count(*) from (select c.blob_oid from index_chunks c
       where c.org_id = $1 and c.content %s $2 limit $3) c group by c.blob_oid', op)
    using ctxpipe_current_org(), p_pattern, p_chunk_limit;
end
$$;

-- Symbol definitions of the current org by name: exact or prefix (case-insensitive),
-- substring, or fuzzy (trigram similarity).
create function ctxpipe_search_symbols(p_mode text, p_name text, p_limit integer)
  returns table (blob_oid text, language text, name text, kind text, container text,
                 start_line integer, end_line integer, signature text)
  language plpgsql stable security definer set search_path = public, pg_temp
  as $$
begin
  if p_mode = 'exact' then
    return query select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.signature
      from index_symbols s where s.org_id = ctxpipe_current_org() and lower(s.name) = lower(p_name) limit p_limit;
  elsif p_mode = 'prefix' then
    return query select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.signature
      from index_symbols s where s.org_id = ctxpipe_current_org()
        and lower(s.name) like replace(replace(replace(lower(p_name), '\', '\\'), '%', '\%'), '_', '\_') || '%'
      limit p_limit;
  elsif p_mode = 'substring' then
    return query select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.signature
      from index_symbols s where s.org_id = ctxpipe_current_org()
        and s.name ilike '%' || replace(replace(replace(p_name, '\', '\\'), '%', '\%'), '_', '\_') || '%'
      limit p_limit;
  elsif p_mode = 'fuzzy' then
    return query select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.signature
      from index_symbols s where s.org_id = ctxpipe_current_org() and s.name % p_name
      order by similarity(s.name, p_name) desc limit p_limit;
  else
    raise exception 'unknown symbol match %', p_mode using errcode = '22023';
  end if;
end
$$;

revoke all on function ctxpipe_search_blobs(text, text, integer) from public;
revoke all on function ctxpipe_search_symbols(text, text, integer) from public;
grant execute on function ctxpipe_search_blobs(text, text, integer) to ctxpipe_app;
grant execute on function ctxpipe_search_symbols(text, text, integer) to ctxpipe_app;
