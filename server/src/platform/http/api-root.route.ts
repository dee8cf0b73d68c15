/**
 * GET /api/v1: what this API is and where its reference lives. Capability routes mount
 * their own paths under /api/v1.
 */
import { Hono } from "hono";
import type { AppEnv } from "./app-env.js";
import { VERSION } from "../version.js";

/** The API root route group. */
export function apiRootRoutes() {
  return new Hono<AppEnv>().get("/api/v1", (c) => c.json({ name: "ctxpipe", version: VERSION, status: "/.status", reference: "/api/v1/openapi.json" }));
}
