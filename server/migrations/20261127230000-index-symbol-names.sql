-- Exact and prefix symbol lookups through a b-tree on lower(name) again (dropped in
-- 20261127210000, when index_symbols also carried org_id in it): through the trigram index, a
-- common name such as "function" took 14 ms to look up, and every literal search looks up its
-- definitions. Without org_id and with b-tree deduplication the index is 13 MB for 765k
-- symbols (the old one was 23 MB). text_pattern_ops serves LIKE 'prefix%' in any collation.
create index index_symbols_lower_name_idx on index_symbols (lower(name) text_pattern_ops);

create or replace function ctxpipe_search_symbols(p_mode text, p_name text, p_limit integer)
  returns table (blob_oid text, language text, name text, kind text, container text,
                 start_line integer, end_line integer, name_line integer)
  language plpgsql stable security definer set search_path = public, pg_temp
  as $$
declare
  escaped text := replace(replace(replace(p_name, '\', '\\'), '%', '\%'), '_', '\_');
begin
  if p_mode = 'exact' then
    return query select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, coalesce(s.name_line, s.start_line)
      from index_symbols s where s.org_id = ctxpipe_current_org() and lower(s.name) = lower(p_name) limit p_limit;
  elsif p_mode = 'prefix' then
    return query select s.blob_oid, s.language, s.name, s.kind, s.container, s.start_line, s.end_line, coalesce(s.name_line, s.start_line)
      from index_symbols s where s.org_id = ctxpipe_current_org() and lower(s.name) like lower(escaped) || '%' limit p_limit;
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
