/**
 * Organisation roles and what each may do. One place, so that routes state a minimum role
 * and services apply the finer rules (only owners manage owners; the last owner stays).
 */
import { ORG_ROLES, type OrgRole } from "../platform/org-roles.js";

export { ORG_ROLES, type OrgRole };

/** True when `role` is at least `minimum`. */
export function hasRole(role: OrgRole, minimum: OrgRole): boolean {
  return ORG_ROLES.indexOf(role) >= ORG_ROLES.indexOf(minimum);
}

/** True when an actor with `actor` may grant, change or remove the role `target`. */
export function canManageRole(actor: OrgRole, target: OrgRole): boolean {
  if (target === "owner") return actor === "owner";
  return hasRole(actor, "admin");
}
