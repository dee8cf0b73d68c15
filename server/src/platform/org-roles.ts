/**
 * The roles a member can hold in an organisation, weakest first. Shared by the accounts
 * capability (which grants them) and the HTTP router (whose routes name the least they need).
 */

/** Every role, weakest first. */
export const ORG_ROLES = ["member", "admin", "owner"] as const;

/** A member's role in an organisation. */
export type OrgRole = (typeof ORG_ROLES)[number];
