/**
 * REST: invitations (placeholder; being implemented).
 */
import type { ApiRouter } from "../../platform/http/api-route.js";
import type { InvitationDependencies } from "./invitation.service.js";

/** Registers the invitation routes. */
export function registerInvitationRoutes(_router: ApiRouter, _deps: InvitationDependencies): void {}
