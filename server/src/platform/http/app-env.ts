/**
 * Typed request variables shared by every route and middleware.
 */
import type { Logger } from "../logging.js";

/** Hono environment of the public app. */
export interface AppEnv {
  Variables: {
    /** Correlation id, echoed in `x-request-id` and in error bodies. */
    requestId: string;
    /** Request-scoped logger carrying the request id. */
    logger: Logger;
  };
}
