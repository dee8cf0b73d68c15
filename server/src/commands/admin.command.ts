/**
 * `ctxpipe admin ...`: headless set-up (placeholder; being implemented).
 */
import type { Platform } from "../roles/platform.js";

/** Usage text of the admin commands. */
export const ADMIN_USAGE = `  admin create-user --email E --password P [--name N]
  admin create-org --slug S --name N --owner E
  admin create-api-key --email E --org S [--name N]`;

/**
 * Runs one admin sub-command against a started platform; returns what to print on stdout.
 * @throws AppError with a one-line message on bad arguments or failures.
 */
export async function runAdminCommand(_platform: Platform, _args: string[]): Promise<string> {
  throw new Error("not implemented yet");
}
