/**
 * The knowledge graph API as the explorer uses it: the query keys, the nodes matching a name
 * and kind, and one node with its edges and evidence.
 */
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";

/** The query keys of the graph feature. */
export const graphKeys = {
  nodes: (orgSlug: string, q: string, kind: string) => ["graph-nodes", orgSlug, q, kind] as const,
  node: (orgSlug: string, key: string | undefined) => ["graph-node", orgSlug, key] as const,
};

/** Up to 100 nodes whose name matches `q` (all when empty), of `kind` (any when empty). */
export function useGraphNodes(orgSlug: string, q: string, kind: string) {
  return useQuery({
    queryKey: graphKeys.nodes(orgSlug, q, kind),
    queryFn: () =>
      call(
        api.GET("/api/v1/orgs/{orgSlug}/graph/nodes", {
          params: { path: { orgSlug }, query: { q: q || undefined, kind: kind || undefined, limit: 100, offset: 0 } },
        }),
      ),
  });
}

/** The node `key` with its declarations and edges; nothing while no node is picked. A failure is not retried. */
export function useGraphNode(orgSlug: string, key: string | undefined) {
  return useQuery({
    queryKey: graphKeys.node(orgSlug, key),
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/graph/node", { params: { path: { orgSlug }, query: { key: key ?? "" } } })),
    enabled: !!key,
    retry: false,
  });
}
