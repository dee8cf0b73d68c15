/**
 * Invitations (placeholder; being implemented).
 */
import type { Config } from "../../platform/config/config.js";
import type { Database } from "../../platform/db/database.js";
import type { Mailer } from "../../platform/email/mailer.js";

/** What the invitation service needs. */
export interface InvitationDependencies {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, "baseUrl" | "invitationTtlHours">;
}
