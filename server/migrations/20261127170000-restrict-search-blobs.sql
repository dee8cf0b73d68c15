-- ctxpipe_search_blobs gains an optional list of blobs to search within (file: and lang:
-- filters), so a common word in a narrow filter is found completely. The estimate of 100 rows
-- lets the planner join the (usually few) hits to index_files through its index.
drop function ctxpipe_search_blobs(text, text, integer);

create function ctxpipe_search_blobs(p_mode text, p_pattern text, p_chunk_limit integer, p_within text[])
  returns table (blob_oid text, chunks bigint)
  language plpgsql stable security definer set search_path = public, pg_temp
  rows 100
  as $$
declare
  op text := case p_mode when 'like' then 'like' when 'ilike' then 'ilike' when 'regex' then '~' when 'iregex' then '~*' end;
begin
  if op is null then
    raise exception 'unknown search mode %', p_mode using errcode = '22023';
  end if;
  if p_within is null then
    return query execute format(
      'select c.blob_oid, count(*) from (select c.blob_oid from index_chunks c
         where c.org_id = $1 and c.content %s $2 limit $3) c group by c.blob_oid', op)
      using ctxpipe_current_org(), p_pattern, p_chunk_limit;
  else
    return query execute format(
      'select c.blob_oid, count(*) from (select c.blob_oid from index_chunks c
         where c.org_id = $1 and c.blob_oid = any($4) and c.content %s $2 limit $3) c group by c.blob_oid', op)
      using ctxpipe_current_org(), p_pattern, p_chunk_limit, p_within;
  end if;
end
$$;

revoke all on function ctxpipe_search_blobs(text, text, integer, text[]) from public;
grant execute on function ctxpipe_search_blobs(text, text, integer, text[]) to ctxpipe_app;
