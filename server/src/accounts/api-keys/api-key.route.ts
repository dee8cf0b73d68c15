/**
 * REST: API keys (placeholder; being implemented).
 */
import type { Database } from "../../platform/db/database.js";
import type { ApiRouter } from "../../platform/http/api-route.js";

/** Registers the API key routes. */
export function registerApiKeyRoutes(_router: ApiRouter, _db: Database): void {}
