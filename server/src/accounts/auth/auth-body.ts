/**
 * The body of a POST to /.auth/*, read once, the way Better Auth will read it, before any rate
 * limit keys on it. Only three media types reach Better Auth: JSON (UTF-8), form-encoded
 * (UTF-8) and multipart/form-data with a boundary; anything else is a 415, never Better
 * Auth's 500. A field given twice (`email=a&email=b`, or a JSON object with a repeated key) is
 * a 400: a limit keyed on one copy while Better Auth checks the other would not limit anything.
 * NUL characters are refused too, as Postgres cannot store them.
 */
import type { Context } from "hono";
import { AppError, badRequest } from "../../platform/errors.js";
import type { AppEnv } from "../../platform/http/app-env.js";

/** A /.auth POST body as Better Auth will read it. */
export interface AuthBody {
  /** What the body is, from its Content-Type: "none" for an empty body. */
  kind: "none" | "json" | "form" | "multipart";
  /**
   * The Content-Type to forward to Better Auth: the media type we parsed, without parameters
   * (multipart keeps the header as sent, for its boundary).
   */
  contentType: string | undefined;
  /** The top-level fields (JSON object members or form fields), each given once. */
  fields: ReadonlyMap<string, unknown>;
}

/**
 * Form fields that RFC 8707 lets a client repeat (one `resource` per protected resource). Any
 * other repeated field is refused.
 */
const REPEATABLE_FIELDS = new Set(["resource"]);

/** The refusal of a media type Better Auth does not read. */
const unsupportedMediaType = (type: string) =>
  new AppError(
    "unsupported_media_type",
    415,
    `${type ? `Content-Type ${JSON.stringify(type.slice(0, 100))} is not accepted` : "A request body needs a Content-Type"}: send application/json, application/x-www-form-urlencoded or multipart/form-data (UTF-8).`,
  );

/** The refusal of a field given twice. */
const repeatedField = (name: string) =>
  new AppError("repeated_field", 400, `The field ${JSON.stringify(name.slice(0, 100))} is given more than once: send each field once.`, {
    details: { field: name.slice(0, 100) },
  });

/** A parsed Content-Type: the lower-cased media type and its parameters (names lower-cased). */
function parseContentType(header: string): { type: string; params: Map<string, string> } {
  const [type = "", ...rest] = header.split(";");
  const params = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const value = part.slice(eq + 1).trim();
    params.set(part.slice(0, eq).trim().toLowerCase(), value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Refuses a charset other than UTF-8 (Better Auth, like fetch, decodes every body as UTF-8). */
function assertUtf8(type: string, params: Map<string, string>): void {
  const charset = params.get("charset");
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) throw unsupportedMediaType(`${type}; charset=${charset}`);
}

/**
 * Throws repeated_field when an object in the JSON text `text` (already known to be valid
 * JSON) has a key twice, at any depth. JSON.parse keeps the last copy silently.
 */
function assertNoDuplicateKeys(text: string): void {
  // One frame per open object (its keys so far, and whether a key comes next) or array (null).
  const stack: ({ keys: Set<string>; expectKey: boolean } | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "{") stack.push({ keys: new Set(), expectKey: true });
    else if (ch === "[") stack.push(null);
    else if (ch === "}" || ch === "]") stack.pop();
    else if (ch === ",") {
      const top = stack.at(-1);
      if (top) top.expectKey = true;
    } else if (ch === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const top = stack.at(-1);
      if (top?.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) throw repeatedField(key);
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    }
  }
}

/** The fields of a form, refusing a repeated one. */
function formFields(entries: Iterable<[string, unknown]>): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  for (const [name, value] of entries) {
    if (fields.has(name) && !REPEATABLE_FIELDS.has(name)) throw repeatedField(name);
    fields.set(name, value);
  }
  return fields;
}

/**
 * Reads and checks a /.auth POST body without consuming `request` (a clone is read).
 * @throws unsupported_media_type (415) for a body Better Auth does not read, repeated_field
 *   (400) for a field given twice, bad_request (400) for malformed JSON or multipart or a NUL.
 */
export async function readAuthBody(request: Request): Promise<AuthBody> {
  const header = request.headers.get("content-type")?.trim() ?? "";
  const text = await request.clone().text();
  if (text.includes("\u0000") || /\\u0000|%00/i.test(text)) throw badRequest("The request must not contain NUL characters.");
  if (!header) {
    if (text.length > 0) throw unsupportedMediaType("");
    return { kind: "none", contentType: undefined, fields: new Map() };
  }
  const { type, params } = parseContentType(header);
  if (type === "application/json") {
    assertUtf8(type, params);
    if (text.trim() === "") return { kind: "none", contentType: type, fields: new Map() };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest("The request body is not valid JSON.");
    }
    assertNoDuplicateKeys(text);
    const fields = body && typeof body === "object" && !Array.isArray(body) ? new Map(Object.entries(body)) : new Map();
    return { kind: "json", contentType: type, fields };
  }
  if (type === "application/x-www-form-urlencoded") {
    assertUtf8(type, params);
    return { kind: "form", contentType: type, fields: formFields(new URLSearchParams(text)) };
  }
  if (type === "multipart/form-data") {
    const boundary = params.get("boundary");
    if (!boundary) throw badRequest("A multipart/form-data body needs a boundary parameter.");
    let form: FormData;
    try {
      form = await request.clone().formData();
    } catch {
      throw badRequest("The request body is not valid multipart/form-data.");
    }
    return { kind: "multipart", contentType: header, fields: formFields(form.entries()) };
  }
  throw unsupportedMediaType(header);
}

/** Each request's checked body, so the middleware and the route read it once. */
const checked = new WeakMap<Request, AuthBody>();

/**
 * The request's checked body (read on first use).
 * @throws as readAuthBody.
 */
export async function authBodyOf(c: Context<AppEnv>): Promise<AuthBody> {
  let body = checked.get(c.req.raw);
  if (!body) {
    body = await readAuthBody(c.req.raw);
    checked.set(c.req.raw, body);
  }
  return body;
}

/** A string field of the body, trimmed and lower-cased (an e-mail address as a limit key), or "". */
export function fieldKey(body: AuthBody, name: string): string {
  const value = body.fields.get(name);
  return typeof value === "string" ? value.trim().toLowerCase() : "";
}
