/**
 * The MCP tools' services over a test app's database, built as the server role builds them
 * (the capabilities' own factories), for tests that run the tools in process (the chat's
 * agent loop and evidence answer).
 */
import { createDocuments } from "../../src/documents/index.js";
import { createGraph } from "../../src/graph/index.js";
import type { ToolServices } from "../../src/mcp/index.js";
import { createLogger } from "../../src/platform/logging.js";
import { listRepositories } from "../../src/repositories/index.js";
import { createSearch } from "../../src/search/index.js";
import type { TestApp } from "./test-app.js";

/** The services of `app`'s capabilities, each bound to its database. */
export function toolServices(app: TestApp, searchBudgetMs = 5_000): ToolServices {
  const db = app.running.platform.db;
  const documents = createDocuments({ db });
  return {
    search: createSearch({ db, maxBudgetMs: 60_000, documents }),
    documents,
    graph: createGraph({ db, logger: createLogger("silent") }),
    // The repositories capability needs a job queue and git; the tools only list.
    repositories: { list: (scope, filter) => listRepositories(db, scope, filter) },
    searchBudgetMs,
  };
}
