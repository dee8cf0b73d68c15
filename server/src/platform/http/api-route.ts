/**
 * Declarative REST routes. Each route states its path, access level, zod schemas and
 * responses once; `ApiRouter` registers it with Hono (validation and access guards run before
 * the handler) and keeps the spec for the OpenAPI document (openapi.ts). Handlers therefore
 * receive validated input and never re-check authentication themselves.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { z } from "zod";
import { invalidInput } from "../errors.js";
import { nulFieldOf } from "../input-text.js";
import { createMiddleware } from "hono/factory";
import type { FairShare } from "../fair-share.js";
import { callerKey, type AppEnv } from "./app-env.js";
import { isEventStream, whenBodyEnds } from "./event-stream.js";
import type { OrgRole } from "../org-roles.js";
import { readJsonBody, toFieldProblems } from "./json-body.js";

/** Who may call a route: anyone, any signed-in caller, or a member of the org in the path. */
export type Access = "public" | "user" | "org";

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** A route declaration. Paths use OpenAPI syntax: /api/v1/orgs/{orgSlug}. */
export interface ApiRouteSpec<P extends AnyObject = AnyObject, Q extends AnyObject = AnyObject, B extends z.ZodType = z.ZodType> {
  method: "get" | "post" | "patch" | "put" | "delete";
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  access: Access;
  /** Minimum org role (access "org" only). Default: member. */
  minRole?: OrgRole;
  /** Rejected for API keys (e.g. creating an organisation). */
  sessionOnly?: boolean;
  /**
   * Costly work (searches, file reads): runs within the caller's and organisation's fair share
   * (platform/fair-share.ts), queued briefly, else 429. Access "org" only.
   */
  fairShare?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Documented responses by status; `schema` describes the JSON body, `events` the data of
   * each server-sent event when the route also answers `Accept: text/event-stream`.
   */
  responses: Record<number, { description: string; schema?: z.ZodType; events?: z.ZodType }>;
  handler: (c: Context<AppEnv>, input: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B> }) => Response | Promise<Response>;
}

/** Guards supplied by the accounts capability. */
export interface AccessGuards {
  requireCaller: MiddlewareHandler<AppEnv>;
  requireSession: MiddlewareHandler<AppEnv>;
  requireOrg: (minRole: OrgRole) => MiddlewareHandler<AppEnv>;
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) {
    const nul = nulFieldOf(parsed.data);
    if (nul === undefined) return parsed.data;
    const path = nul ? `${where}.${nul}` : where;
    throw invalidInput(`Invalid ${where}: ${path}: must not contain NUL characters`, { fields: [{ path, message: "must not contain NUL characters" }] });
  }
  const fields = toFieldProblems(parsed.error).map((f) => ({ ...f, path: f.path ? `${where}.${f.path}` : where }));
  throw invalidInput(`Invalid ${where}: ${fields.map((f) => `${f.path}: ${f.message}`).join("; ")}`, { fields });
}

/** Collects route specs and mounts them on a Hono app. */
export class ApiRouter {
  readonly hono = new Hono<AppEnv>();
  readonly specs: ApiRouteSpec[] = [];

  /** @param share the fair share that routes marked `fairShare` run in (none: they run unlimited). */
  constructor(
    private readonly guards: AccessGuards,
    private readonly share?: FairShare,
  ) {}

  /** Registers a route. */
  add<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(spec: ApiRouteSpec<P, Q, B>): this {
    this.specs.push(spec as unknown as ApiRouteSpec);
    const honoPath = spec.path.replace(/\{(\w+)\}/g, ":$1");
    const chain: MiddlewareHandler<AppEnv>[] = [];
    // Membership before anything else, so that another org's routes answer 404 uniformly.
    if (spec.access !== "public") chain.push(this.guards.requireCaller);
    if (spec.access === "org") chain.push(this.guards.requireOrg(spec.minRole ?? "member"));
    if (spec.access !== "public" && spec.sessionOnly) chain.push(this.guards.requireSession);
    const share = this.share;
    if (spec.fairShare && spec.access === "org" && share) {
      chain.push(
        createMiddleware<AppEnv>(async (c, next) => {
          const release = await share.hold({ orgId: c.get("org")!.orgId, caller: callerKey(c.get("caller")!) });
          try {
            await next();
          } finally {
            // A streamed answer keeps its slot until the stream ends or its client leaves.
            if (isEventStream(c.res)) c.res = whenBodyEnds(c.res, release);
            else release();
          }
        }),
      );
    }
    const handler = async (c: Context<AppEnv>) => {
      const params = spec.params ? parseOrThrow(spec.params, c.req.param(), "path") : {};
      const query = spec.query ? parseOrThrow(spec.query, c.req.query(), "query") : {};
      const body = spec.body ? parseOrThrow(z.any(), await readJsonBody(c, spec.body), "body") : undefined;
      return spec.handler(c, { params, query, body } as never);
    };
    this.hono.on([spec.method.toUpperCase()], [honoPath], ...chain, handler);
    return this;
  }
}
