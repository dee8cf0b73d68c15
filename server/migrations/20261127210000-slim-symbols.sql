-- Narrower symbol rows: index_symbols was 0.63x the indexed source on its own (765k rows of
-- about 206 bytes for a 366 MB corpus, plus three indexes). The one-line signature is no longer
-- stored: name_line says which line holds the name, and readers take that line from the chunk.
-- The lower(name) btree goes too: the trigram index answers exact and prefix lookups (ILIKE).
-- Rows written before this migration have no name_line; readers fall back to start_line.
alter table index_symbols add column name_line integer;
alter table index_symbols drop column signature;
drop index index_symbols_name_idx;

drop function ctxpipe_search_symbols(text, text, integer);

-- Symbol definitions of the current org by name: exact or prefix (case-insensitive),
-- substring, or fuzzy (trigram similarity). All through index_symbols_name_trgm_idx.
create function ctxpipe_search_symbols(p_mode text, p_name text, p_limit integer)
  returns table (blob_oid text, language text, name text, kind text, container text,
                 start_line integer, end_line integer, name_line integer)
  language plpgsql stable security definer set search_path = public, pg_temp
  as $$
declare
  escaped text := replace(replace(replace(p_name, '\', '\\'), '%', '\%'), '_', '\_');
begin
  if p_mode = 'exact' then
    return query select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, coalesce(s.name_line, s.start_line)
      from index_symbols s where s.org_id = ctxpipe_current_org() and s.name ilike escaped limit p_limit;
  elsif p_mode = 'prefix' then
    return query select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, coalesce(s.name_line, s.start_line)
      from index_symbols s where s.org_id = ctxpipe_current_org() and s.name ilike escaped || '%' limit p_limit;
  elsif p_mode = 'substring' then
    return query select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, coalesce(s.name_line, s.start_line)
      from index_symbols s where s.org_id = ctxpipe_current_org() and s.name ilike '%' || escaped || '%' limit p_limit;
  elsif p_mode = 'fuzzy' then
    return query select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, coalesce(s.name_line, s.start_line)
      from index_symbols s where s.org_id = ctxpipe_current_org() and s.name % p_name
      order by similarity(s.name, p_name) desc limit p_limit;
  else
    raise exception 'unknown symbol match %', p_mode using errcode = '22023';
  end if;
end
$$;

revoke all on function ctxpipe_search_symbols(text, text, integer) from public;
grant execute on function ctxpipe_search_symbols(text, text, integer) to ctxpipe_app;
