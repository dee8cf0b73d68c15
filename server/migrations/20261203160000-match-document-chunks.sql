-- Document search through the trigram index (server/src/documents): as the app role, a LIKE or
-- regex on document_chunks is a sequential scan under row-level security (the operators are not
-- leakproof, so the policy is applied first), and even without it the planner prefers reading
-- the few (TOASTed) heap pages to the index. This function applies the organisation itself and
-- runs with sequential and plain index scans off, so the trigram index's bitmap scan is used.
create function ctxpipe_match_document_chunks(p_mode text, p_pattern text, p_limit integer)
  returns table (document_id text)
  language plpgsql stable security definer set search_path = public, pg_temp
  set enable_seqscan = off set enable_indexscan = off
  rows 100
  as $$
declare
  op text := case p_mode when 'like' then 'like' when 'ilike' then 'ilike' when 'regex' then '~' when 'iregex' then '~*' end;
begin
  if op is null then
    raise exception 'unknown search mode %', p_mode using errcode = '22023';
  end if;
  return query execute format(
    'select distinct c.document_id from document_chunks c where c.org_id = $1 and c.content %s $2 limit $3', op)
    using ctxpipe_current_org(), p_pattern, p_limit;
end
$$;

revoke all on function ctxpipe_match_document_chunks(text, text, integer) from public;
grant execute on function ctxpipe_match_document_chunks(text, text, integer) to ctxpipe_app;
