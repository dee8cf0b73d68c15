/**
 * `ctxpipe secrets rotate` (placeholder; being implemented).
 */
import type { Platform } from "../roles/platform.js";

/** Usage text of the secrets commands. */
export const SECRETS_USAGE = `  secrets rotate   Re-encrypt every stored secret with the current key`;

/**
 * Runs one secrets sub-command; returns what to print on stdout.
 * @throws AppError with a one-line message on bad arguments or failures.
 */
export async function runSecretsCommand(_platform: Platform, _args: string[]): Promise<string> {
  throw new Error("not implemented yet");
}
