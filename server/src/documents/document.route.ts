/**
 * REST: GET /api/v1/orgs/{orgSlug}/documents/{documentId}: a document's lines (a Confluence
 * page as text), cited by URL and version. Searching documents is the search route's
 * `type:doc` (search/search.route.ts).
 */
import { z } from "zod";
import { orgActorOf } from "../accounts/index.js";
import type { ApiRouter } from "../platform/http/api-route.js";
import { MAX_DOCUMENT_LINES } from "./document.service.js";
import type { Documents } from "./index.js";

/** Most lines per request. */
const MAX_READ_LINES = 2000;

/** Registers the document route (within the fair share, like file reads). */
export function registerDocumentRoutes(router: ApiRouter, documents: Pick<Documents, "read">): void {
  router.add({
    method: "get",
    path: "/api/v1/orgs/{orgSlug}/documents/{documentId}",
    summary: "Read a document's lines",
    tags: ["Documents"],
    access: "org",
    fairShare: true,
    params: z.object({ orgSlug: z.string(), documentId: z.string().regex(/^doc_[a-z0-9]{20}$/, "must be a document id (doc_…)") }),
    query: z.object({
      startLine: z.coerce.number().int().min(1).max(MAX_DOCUMENT_LINES).default(1),
      endLine: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_DOCUMENT_LINES)
        .optional()
        .describe(`Default and most: startLine + ${MAX_READ_LINES - 1}`),
    }),
    responses: {
      200: {
        description: "The lines, clamped to the document",
        schema: z.object({
          id: z.string(),
          title: z.string(),
          space: z.object({ key: z.string(), name: z.string() }),
          url: z.string(),
          version: z.number(),
          author: z.string().nullable(),
          updatedAt: z.string(),
          citation: z.string(),
          totalLines: z.number(),
          startLine: z.number(),
          endLine: z.number(),
          lines: z.array(z.object({ line: z.number(), text: z.string() })),
        }),
      },
      404: { description: "No such document" },
    },
    handler: async (c, { params, query }) =>
      c.json(
        await documents.read(orgActorOf(c), {
          id: params.documentId,
          startLine: query.startLine,
          endLine: Math.min(query.endLine ?? query.startLine + MAX_READ_LINES - 1, query.startLine + MAX_READ_LINES - 1),
        }),
      ),
  });
}
