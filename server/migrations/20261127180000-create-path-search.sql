-- Path searches through the trigram index on index_files.path, for the same reason as
-- ctxpipe_search_blobs (non-leakproof ILIKE cannot use an index under RLS). Scoped to the
-- transaction's org like the policies; the caller filters visibility (generations).
create function ctxpipe_search_paths(p_mode text, p_pattern text, p_limit integer)
  returns table (repository_id uuid, path text, blob_oid text, language text, valid_from integer, valid_to integer)
  language plpgsql stable security definer set search_path = public, pg_temp
  rows 100
  as $$
declare
  op text := case p_mode when 'like' then 'like' when 'ilike' then 'ilike' end;
begin
  if op is null then
    raise exception 'unknown path search mode %', p_mode using errcode = '22023';
  end if;
  return query execute format(
    'select f.repository_id, f.path, f.blob_oid, f.language, f.valid_from, f.valid_to from index_files f
     where f.org_id = $1 and f.path %s $2 limit $3', op)
    using ctxpipe_current_org(), p_pattern, p_limit;
end
$$;

revoke all on function ctxpipe_search_paths(text, text, integer) from public;
grant execute on function ctxpipe_search_paths(text, text, integer) to ctxpipe_app;
