/**
 * REST for the App-manifest flow (the one-click path): the manifest to POST to GitHub, and the
 * exchange of GitHub's one-time code for the new App's connection. Admins only.
 */
import { z } from "zod";
import { orgActorOf } from "../../accounts/index.js";
import type { ApiRouter } from "../../platform/http/api-route.js";
import { orgParams } from "../connection-ids.js";
import { connectionSchema } from "./connection.route.js";
import { appManifest, convertManifest, type ManifestDependencies } from "./manifest.service.js";

const params = orgParams;

/** Registers the manifest routes. */
export function registerManifestRoutes(router: ApiRouter, deps: ManifestDependencies): void {
  router
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/connections/github-manifest",
      summary: "A GitHub App manifest for this instance: POST it (form field `manifest`) to `postUrl` and GitHub creates the App",
      tags: ["Connections"],
      access: "org",
      minRole: "admin",
      params,
      body: z
        .object({
          name: z.string().trim().min(1).max(34).describe("The App's name on GitHub (unique there; at most 34 characters)"),
          githubOrganization: z
            .string()
            .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "a GitHub organisation login")
            .optional()
            .describe("Create the App under this GitHub organisation instead of your own account"),
          apiUrl: z.string().max(500).optional().describe("GitHub Enterprise Server's API URL"),
        })
        .strict(),
      responses: {
        200: {
          description: "The manifest and where to POST it (valid for an hour)",
          schema: z.object({ postUrl: z.string(), manifest: z.string(), connectionId: z.string(), expiresAt: z.string() }),
        },
      },
      handler: (c, { params, body }) => c.json(appManifest(deps, orgActorOf(c), params.orgSlug, body)),
    })
    .add({
      method: "post",
      path: "/api/v1/orgs/{orgSlug}/connections/github-manifest/conversions",
      summary: "Finish the manifest flow: exchange GitHub's one-time code for the App and create its connection",
      tags: ["Connections"],
      access: "org",
      minRole: "admin",
      params,
      body: z.object({ code: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, "GitHub's one-time code"), state: z.string().min(1).max(1000) }).strict(),
      responses: {
        201: { description: "Created (pending until installed)", schema: z.object({ connection: connectionSchema }) },
        400: { description: "The state is not valid or has expired (`invalid_install_state`)" },
        404: { description: "GitHub does not know the code (used or expired: `github_not_found`)" },
      },
      handler: async (c, { params, body }) => {
        const { connection } = await convertManifest(deps, orgActorOf(c), params.orgSlug, body);
        return c.json({ connection }, 201);
      },
    });
}
