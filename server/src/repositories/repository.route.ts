/**
 * REST: /api/v1/orgs/{orgSlug}/repositories: add, list, read, re-index, delete.
 */
import { z } from "zod";
import { orgActorOf } from "../accounts/index.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import {
  addRepository,
  deleteRepository,
  getRepository,
  getRepositorySettings,
  listRepositories,
  requestReindex,
  updateRepository,
  updateRepositorySettings,
  type RepositoryDependencies,
} from "./repository.service.js";

const orgParams = z.object({ orgSlug: z.string() });
const repoParams = orgParams.extend({
  repository: z.string().min(1).max(200).describe("The repository's id (UUID) or name; percent-encode a `/` in a name as %2F"),
});

const credentialsSchema = z.union([
  z.object({ token: z.string().min(1).max(4096), username: z.string().min(1).max(200).optional() }).strict(),
  z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(4096) }).strict(),
]);

/** A check interval: 0 (off) or 60 s to a day. */
const refreshSeconds = z
  .number()
  .int()
  .refine((n) => n === 0 || (n >= 60 && n <= 86_400), "must be 0 (off) or 60 to 86400 seconds");

const settingsSchema = z.object({ refreshIntervalSeconds: refreshSeconds.describe("Default interval of remote checks in seconds; 0 turns them off") });

/** The repository wire format. */
export const repositorySchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  branch: z.string().nullable(),
  status: z.enum(["queued", "running", "ready", "failed", "complete_with_issues", "unindexing"]),
  step: z
    .object({ key: z.string(), index: z.number(), total: z.number(), label: z.string(), done: z.number().optional(), of: z.number().optional() })
    .nullable(),
  indexedCommit: z.string().nullable(),
  indexedBranch: z.string().nullable(),
  indexedAt: z.string().nullable(),
  fileCount: z.number(),
  byteCount: z.number(),
  languages: z.record(z.string(), z.number()),
  skipped: z.record(z.string(), z.number()),
  lastRun: z
    .object({
      kind: z.enum(["full", "incremental"]),
      added: z.number(),
      updated: z.number(),
      removed: z.number(),
      blobsRead: z.number(),
      bytesRead: z.number(),
    })
    .nullable()
    .describe("What the latest published run did: `incremental` looked only at the paths changed since the indexed commit."),
  error: z.string().nullable(),
  hasCredentials: z.boolean(),
  source: z
    .union([z.object({ type: z.literal("url") }), z.object({ type: z.literal("github"), connectionId: z.string(), externalId: z.number() })])
    .describe("Added by URL, or brought by a GitHub App connection"),
  refresh: z
    .object({
      intervalSeconds: z.number().nullable().describe("The repository's own interval; null follows the organisation's default; 0 is off"),
      lastCheckAt: z.string().nullable(),
      nextCheckAt: z.string().nullable().describe("Null when no check is scheduled"),
      lastCheckError: z.string().nullable(),
      consecutiveFailures: z.number(),
    })
    .describe("The periodic remote check: git ls-remote, and an index run when the branch moved"),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Registers the repository routes. */
export function registerRepositoryRoutes(router: ApiRouter, deps: RepositoryDependencies): void {
  router
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/repositories",
      summary: "Add a repository; its first index run is queued",
      description:
        "URLs: https:// (public, or private with credentials: a token, or username and password, stored encrypted). ssh:// and scp-style git@host:path are accepted for anonymous access only (no SSH keys yet). Hosts resolving to internal addresses are refused unless allow-listed.",
      tags: ["Repositories"],
      access: "org",
      minRole: "admin",
      params: orgParams,
      body: z.object({
        url: z.string().min(1).max(2048),
        name: z.string().trim().min(1).max(200).optional(),
        branch: z.string().min(1).max(255).optional(),
        credentials: credentialsSchema.optional(),
      }),
      responses: { 201: { description: "Added and queued", schema: repositorySchema }, 409: { description: "Name taken or limit reached" } },
      handler: async (c, { body }) => c.json(await addRepository(deps, orgActorOf(c), body), 201),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/repositories",
      summary: "List repositories with their index status",
      tags: ["Repositories"],
      access: "org",
      params: orgParams,
      responses: { 200: { description: "Repositories", schema: z.object({ repositories: z.array(repositorySchema) }) } },
      handler: async (c) => c.json({ repositories: await listRepositories(deps.db, orgActorOf(c)) }),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/repositories/{repository}",
      summary: "Read a repository and its index status",
      tags: ["Repositories"],
      access: "org",
      params: repoParams,
      responses: { 200: { description: "The repository", schema: repositorySchema } },
      handler: async (c, { params }) => c.json(await getRepository(deps.db, orgActorOf(c), params.repository)),
    })
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/repositories/{repository}/reindex",
      summary: "Queue a re-index (fetches new commits; unchanged files are not re-read)",
      tags: ["Repositories"],
      access: "org",
      minRole: "admin",
      params: repoParams,
      responses: { 202: { description: "Queued", schema: repositorySchema } },
      handler: async (c, { params }) => c.json(await requestReindex(deps, orgActorOf(c), params.repository), 202),
    })
    .add({
      method: "delete",
      path: "/api/v1/orgs/{orgSlug}/repositories/{repository}",
      summary: "Delete a repository: its index rows and clone are purged",
      tags: ["Repositories"],
      access: "org",
      minRole: "admin",
      params: repoParams,
      responses: { 202: { description: "Deletion queued", schema: repositorySchema } },
      handler: async (c, { params }) => c.json(await deleteRepository(deps, orgActorOf(c), params.repository), 202),
    })
    .add({
      method: "patch",
      path: "/api/v1/orgs/{orgSlug}/repositories/{repository}",
      summary: "Change a repository's settings: the interval of its remote checks",
      tags: ["Repositories"],
      access: "org",
      minRole: "admin",
      params: repoParams,
      body: z.object({ refreshIntervalSeconds: refreshSeconds.nullable().describe("null: the organisation's default; 0: no checks") }).strict(),
      responses: { 200: { description: "Updated; the next check is one interval away", schema: repositorySchema } },
      handler: async (c, { params, body }) => c.json(await updateRepository(deps.db, orgActorOf(c), params.repository, body)),
    })
    .add({
      method: "get",
      path: "/api/v1/orgs/{orgSlug}/repository-settings",
      summary: "The organisation's repository defaults",
      tags: ["Repositories"],
      access: "org",
      params: orgParams,
      responses: { 200: { description: "Settings", schema: settingsSchema } },
      handler: async (c) => c.json(await getRepositorySettings(deps.db, orgActorOf(c))),
    })
    .add({
      method: "patch",
      path: "/api/v1/orgs/{orgSlug}/repository-settings",
      summary: "Change the organisation's default interval of remote checks",
      tags: ["Repositories"],
      access: "org",
      minRole: "admin",
      params: orgParams,
      body: settingsSchema.strict(),
      responses: { 200: { description: "Updated", schema: settingsSchema } },
      handler: async (c, { body }) => c.json(await updateRepositorySettings(deps.db, orgActorOf(c), body)),
    });
}
