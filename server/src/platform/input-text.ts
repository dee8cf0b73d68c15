/**
 * Checks on text input shared by every transport (REST, MCP): Postgres cannot store or compare
 * a NUL character, so text holding one is refused at the edge with a 400, never sent on.
 */

/**
 * The path of the first string in `value` that holds a NUL character (Postgres cannot store or
 * compare one), or undefined.
 */
export function nulFieldOf(value: unknown, path = "", depth = 0): string | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  // Validated input is schema-shaped and shallow; the depth bound only guards the stack.
  if (value === null || typeof value !== "object" || depth > 32) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = nulFieldOf(inner, path ? `${path}.${key}` : key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
