/**
 * Reads and validates a JSON request body against a zod schema. Malformed JSON is a 400
 * `bad_request`; a body that fails the schema is a 400 `invalid_input` listing each field.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { badRequest, invalidInput } from "../errors.js";

/** One field-level validation problem. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Converts zod issues to field problems (`path` is dotted, "" for the root). */
export function toFieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

/**
 * Parses the body of `c` with `schema`.
 * @throws AppError bad_request (not JSON) or invalid_input (schema mismatch).
 */
export async function readJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw badRequest("Send the body as JSON with Content-Type: application/json.");
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const fields = toFieldProblems(parsed.error);
    throw invalidInput(`Invalid request body: ${fields.map((f) => `${f.path || "body"}: ${f.message}`).join("; ")}`, { fields });
  }
  return parsed.data;
}
