/**
 * REST for a GitHub connection's installation: the install link (signed state), binding the
 * installation GitHub sent back, the repositories it can read, the selection to index, and a
 * reconcile on request. Admins change; members read.
 */
import { z } from "zod";
import { orgActorOf } from "../../accounts/index.js";
import type { ApiRouter } from "../../platform/http/api-route.js";
import { connectionParams } from "../connection-ids.js";
import { connectionSchema } from "./connection.route.js";
import { availableRepositories, bindInstallation, installUrl, selectRepositories, type InstallationDependencies } from "./installation.service.js";

const params = connectionParams;
const githubId = z
  .number()
  .int()
  .min(1)
  .max(2 ** 53 - 1);

/** Registers the installation routes; `requestReconcile` queues a reconcile of the connection. */
export function registerInstallationRoutes(
  router: ApiRouter,
  deps: InstallationDependencies & { requestReconcile: (orgId: string, connectionId: string) => Promise<void> },
): void {
  const base = "/api/v1/orgs/{orgSlug}/connections/{connectionId}";
  router
    .add({
      method: "get",
      path: `${base}/install-url`,
      summary: "The link that installs the connection's App on GitHub (valid for an hour, for this admin)",
      tags: ["Connections"],
      access: "org",
      minRole: "admin",
      params,
      responses: { 200: { description: "The install link", schema: z.object({ url: z.string(), expiresAt: z.string() }) } },
      handler: async (c, { params }) => c.json(await installUrl(deps, orgActorOf(c), params.orgSlug, params.connectionId)),
    })
    .add({
      method: "post",
      path: `${base}/installation`,
      summary: "Bind the installation GitHub sent back to the setup page (checked with GitHub first)",
      tags: ["Connections"],
      access: "org",
      minRole: "admin",
      params,
      body: z.object({ installationId: githubId, state: z.string().min(1).max(1000) }).strict(),
      responses: {
        200: { description: "Bound", schema: connectionSchema },
        400: { description: "The state is not valid or has expired (`invalid_install_state`)" },
        404: { description: "Not an installation of this App (`github_not_found`)" },
        409: { description: "Bound to another connection (`conflict`)" },
      },
      handler: async (c, { params, body }) => c.json(await bindInstallation(deps, orgActorOf(c), params.orgSlug, params.connectionId, body)),
    })
    .add({
      method: "get",
      path: `${base}/available-repositories`,
      summary: "The repositories the installation can read, and whether each is indexed",
      tags: ["Connections"],
      access: "org",
      params,
      responses: {
        200: {
          description: "At most 1,000, by full name",
          schema: z.object({
            repositories: z.array(
              z.object({ id: z.number(), fullName: z.string(), private: z.boolean(), archived: z.boolean(), defaultBranch: z.string(), linked: z.boolean() }),
            ),
            truncated: z.boolean(),
          }),
        },
        409: { description: "Not installed yet (`github_not_installed`)" },
      },
      handler: async (c, { params }) => c.json(await availableRepositories(deps, orgActorOf(c), params.connectionId)),
    })
    .add({
      method: "put",
      path: `${base}/selection`,
      summary: "Index all the installation's repositories or some, and say whether new ones join on their own",
      tags: ["Connections"],
      access: "org",
      minRole: "admin",
      params,
      body: z
        .object({
          repositories: z.union([z.literal("all"), z.array(githubId).max(1000)]).describe('"all", or the GitHub ids of the repositories to index'),
          autoAdd: z.boolean().describe("Add repositories the installation gains later"),
        })
        .strict(),
      responses: {
        200: {
          description: "Applied: index runs are queued for the added repositories",
          schema: z.object({
            connection: connectionSchema,
            added: z.array(z.string()),
            removed: z.array(z.string()),
            refused: z.array(z.object({ fullName: z.string(), reason: z.string() })),
          }),
        },
        409: { description: "Not installed yet (`github_not_installed`)" },
      },
      handler: async (c, { params, body }) => c.json(await selectRepositories(deps, orgActorOf(c), params.connectionId, body)),
    })
    .add({
      method: "post",
      path: `${base}/reconcile`,
      summary: "Compare the connection with GitHub now and repair what lost deliveries missed",
      tags: ["Connections"],
      access: "org",
      minRole: "admin",
      params,
      responses: { 202: { description: "Queued; the connection's lastReconcile shows the outcome", schema: z.object({ queued: z.literal(true) }) } },
      handler: async (c, { params }) => {
        await deps.requestReconcile(orgActorOf(c).orgId, params.connectionId);
        return c.json({ queued: true as const }, 202);
      },
    });
}
