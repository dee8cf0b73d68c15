/**
 * Shared zod schemas of the accounts API (wire formats).
 */
import { z } from "zod";
import { ORG_ROLES } from "./roles.js";

export const orgSlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,31}$/, "2-32 characters: lower-case letters, digits and hyphens, not starting with a hyphen")
  .describe("URL name of the organisation");
export const orgNameSchema = z.string().trim().min(1, "must not be empty").max(100, "at most 100 characters");
export const roleSchema = z.enum(ORG_ROLES);
export const orgParams = z.object({ orgSlug: orgSlugSchema });

export const orgSchema = z.object({
  id: z.string().uuid(),
  slug: z.string(),
  name: z.string(),
  createdAt: z.string(),
});
export const orgWithRoleSchema = orgSchema.extend({ role: roleSchema });

export const memberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  joinedAt: z.string(),
});
