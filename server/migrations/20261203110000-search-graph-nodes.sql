-- Node searches through the trigram index on graph_facts (graph_facts_node_search_idx), for
-- the same reason as ctxpipe_search_paths: lower() and LIKE are not leakproof, so under row-
-- level security they run as a filter over every node of the org instead of using the index.
-- Scoped to the transaction's org like the policies; answers node keys only.
create function ctxpipe_search_graph_nodes(p_pattern text, p_limit integer)
  returns table (subject text)
  language plpgsql stable security definer set search_path = public, pg_temp
  rows 100
  as $$
begin
  return query execute
    'select distinct f.subject from graph_facts f
     where f.org_id = $1 and f.predicate = ''is''
       and lower(f.subject || '' '' || coalesce(f.props ->> ''name'', '''')) like $2
     limit $3'
    using ctxpipe_current_org(), p_pattern, p_limit;
end
$$;

revoke all on function ctxpipe_search_graph_nodes(text, integer) from public;
grant execute on function ctxpipe_search_graph_nodes(text, integer) to ctxpipe_app;
