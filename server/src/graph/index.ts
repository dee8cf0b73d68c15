/**
 * The knowledge-graph capability: deterministic extractors run inside each repository's index
 * run (`beforePublish`), facts with their source file and line in Postgres (RLS), and the
 * read side: REST routes and the services the MCP tools call. Design: docs/knowledge-graph.md.
 */
import type { StagedRun } from "../indexing/index.js";
import type { Capability } from "../platform/capability.js";
import type { Database } from "../platform/db/database.js";
import type { Queryable } from "../platform/db/tenant.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import type { Logger } from "../platform/logging.js";
import { extractGraph, graphBehind } from "./graph-extraction.js";
import { registerGraphRoutes } from "./graph.route.js";

export { contextFor, type ContextItem, type OrgContext } from "./context.service.js";
export { getNode, impact, listNodes, neighbors, nodesNamed, type GraphEdge, type GraphNode, type ReachedNode } from "./graph.service.js";
export { instructionsFor, type AppliedInstruction } from "./instructions.service.js";
export { NODE_KINDS } from "./extractors/index.js";

/** What the capability offers the roles. */
export interface Graph extends Capability {
  registerRoutes(router: ApiRouter): void;
  /** The index run's hook: extracts the changed files' facts in the run's transaction. */
  beforePublish(tx: Queryable, staged: StagedRun): Promise<void>;
  /**
   * Queues an index run for every indexed repository whose graph was never extracted or was
   * extracted by older rules (after an upgrade), at most `limit`; answers how many.
   */
  backfill(requestIndexRun: (payload: { orgId: string; repositoryId: string }) => Promise<void>, limit?: number): Promise<number>;
}

/** Builds the capability (no I/O until used). */
export function createGraph(deps: { db: Database; logger: Logger }): Graph {
  const logger = deps.logger.child({ module: "graph" });
  return {
    registerRoutes: (router) => registerGraphRoutes(router, { db: deps.db }),
    async backfill(requestIndexRun, limit = 1_000) {
      const due = await graphBehind(deps.db, limit);
      for (const repo of due) await requestIndexRun(repo);
      if (due.length > 0) logger.info({ repositories: due.length }, "index runs queued to extract the knowledge graph");
      return due.length;
    },
    async beforePublish(tx, staged) {
      const { failures, ...summary } = await extractGraph(tx, staged);
      for (const failure of failures.slice(0, 20)) {
        logger.warn(
          { err: failure.error, repositoryId: staged.repositoryId, path: failure.path },
          "a knowledge-graph extractor failed on a file; it gave no facts",
        );
      }
      if (summary.read > 0 || summary.removed > 0) logger.debug({ repositoryId: staged.repositoryId, ...summary }, "graph facts extracted");
    },
  };
}
