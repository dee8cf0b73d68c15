/**
 * The accounts capability: sign-in (Better Auth at /.auth), the OAuth authorisation server
 * for MCP clients, organisations, members, invitations, API keys and the audit log. Other capabilities use only what this file
 * exports: the authentication middleware, the access guards and the route registration.
 */
import type { Hono, MiddlewareHandler } from "hono";
import type { Capability } from "../platform/capability.js";
import type { ResolvedConfig } from "../platform/config/config.js";
import type { Database } from "../platform/db/database.js";
import type { Mailer } from "../platform/email/mailer.js";
import type { AccessGuards, ApiRouter } from "../platform/http/api-route.js";
import type { AppEnv, Caller, OrgContext } from "../platform/http/app-env.js";
import type { Logger } from "../platform/logging.js";
import { createFailureLimit } from "../platform/rate-limit.js";
import { registerApiKeyRoutes } from "./api-keys/api-key.route.js";
import { registerAuditRoutes } from "./audit/audit.route.js";
import { recordSignIn } from "./audit/audit.service.js";
import { authRoutes } from "./auth/auth.route.js";
import { createAuthentication, CREDENTIAL_FAILURES_PER_IP, type IdentifyOptions } from "./auth/authenticate.js";
import { createAuth, mcpResource, type Auth } from "./auth/better-auth.js";
import { createSignUpPolicy } from "./auth/sign-up-policy.js";
import { registerInvitationRoutes } from "./invitations/invitation.route.js";
import { registerMeRoute } from "./me.route.js";
import { registerMemberRoutes } from "./members/member.route.js";
import { registerOAuthAppRoutes } from "./oauth/oauth-app.route.js";
import { registerOrgRoutes } from "./orgs/org.route.js";

export { createAuth, mcpResource, MIN_PASSWORD_LENGTH, OAUTH_SCOPES, oauthIssuer, type Auth } from "./auth/better-auth.js";
export { revokeAllOAuthApps } from "./oauth/oauth-app.service.js";
export { endSession, endSessionsOf } from "./auth/session.service.js";
export type { IdentifyOptions } from "./auth/authenticate.js";
export { createOrg, listOrgsOf } from "./orgs/org.service.js";
export { createApiKey, revokeApiKey } from "./api-keys/api-key.service.js";
export { orgNameSchema, orgSlugSchema } from "./schemas.js";
export { hasRole, canManageRole } from "./roles.js";
export { orgActorOf, type OrgActor } from "./actor.js";
export { recordAudit, systemActor, type AuditActor, type AuditEntry } from "./audit/audit.service.js";

/** The assembled capability (the Capability shape, plus what other capabilities need). */
export interface Accounts extends Capability {
  auth: Auth;
  /** Identifies the caller on /api and /mcp. */
  authenticate: MiddlewareHandler<AppEnv>;
  guards: AccessGuards;
  /**
   * The caller of a raw request and their org by slug, as REST's org guard resolves them: for
   * transports with their own error format (MCP). 401 and 404 AppErrors as the guards throw
   * them; `{ oauth: true }` also accepts OAuth access tokens for the MCP resource.
   */
  resolveOrgScope: (request: Request, slug: string, options?: IdentifyOptions) => Promise<{ caller: Caller; org: OrgContext }>;
  /** The /.auth route group (and the OAuth discovery documents). */
  routes: Hono<AppEnv>[];
  /** Adds the /api/v1 accounts routes to `router`. */
  registerRoutes(router: ApiRouter): void;
}

export interface AccountsDependencies {
  config: ResolvedConfig;
  db: Database;
  mailer: Mailer;
  logger: Logger;
}

/** Builds the accounts capability. Call after migrations. */
export function createAccounts(deps: AccountsDependencies): Accounts {
  const { config, db, mailer } = deps;
  const credentialFailures = createFailureLimit(db.app, CREDENTIAL_FAILURES_PER_IP);
  const signUpPolicy = createSignUpPolicy({ rule: config.signUp, db, tokenFailures: credentialFailures });
  const auth = createAuth({
    config,
    db,
    mailer,
    logger: deps.logger,
    signUpPolicy,
    onSessionCreated: (session) => recordSignIn(db, session.userId, session.ipAddress),
  });
  const { authenticate, guards, resolveOrgScope } = createAuthentication({
    auth,
    db,
    allowedOrigins: config.allowedOrigins,
    baseUrl: config.baseUrl,
    credentialFailures,
  });
  return {
    auth,
    authenticate,
    guards,
    resolveOrgScope,
    routes: [
      authRoutes({
        auth,
        pool: db.app,
        emailEnabled: mailer.enabled,
        socialProviders: Object.keys(config.socialProviders),
        signUp: config.signUp,
        hasUsers: signUpPolicy.hasUsers,
        mcpResource: mcpResource(config.baseUrl),
        logger: deps.logger,
      }),
    ],
    registerRoutes(router) {
      registerMeRoute(router, db);
      registerOAuthAppRoutes(router, db);
      registerOrgRoutes(router, db);
      registerMemberRoutes(router, db);
      registerInvitationRoutes(router, { db, mailer, config, tokenFailures: credentialFailures });
      registerApiKeyRoutes(router, db);
      registerAuditRoutes(router, db);
    },
  };
}
