/**
 * `ctxpipe secrets rotate`: re-encrypts every stored org secret with the current key
 * (CONNECTION_SECRETS_ENCRYPTION_KEY), reading old values with the keys listed in
 * CONNECTION_SECRETS_ENCRYPTION_KEY_PREVIOUS.
 */
import { AppError } from "../platform/errors.js";
import type { Platform } from "../roles/platform.js";
import { rotateAllSecrets } from "../secrets/index.js";

/** Usage text of the secrets commands. */
import { SECRETS_USAGE } from "./usage.js";

export { SECRETS_USAGE };

/**
 * Runs one secrets sub-command; returns what to print on stdout.
 * @throws AppError with a one-line message on bad arguments or failures.
 */
export async function runSecretsCommand(platform: Platform, args: string[]): Promise<string> {
  if (args.length !== 1 || args[0] !== "rotate") {
    throw new AppError("invalid_arguments", 400, `Usage: ctxpipe ${SECRETS_USAGE.trim()}`, { expose: true });
  }
  const result = await rotateAllSecrets(platform.db, platform.secretBox, platform.logger);
  const summary = `rotated ${result.rotated} secrets to key ${result.keyId}; ${result.alreadyCurrent} already current; ${result.failed} failed`;
  if (result.failed > 0) {
    throw new AppError(
      "secrets_rotation_incomplete",
      500,
      `${summary}: ${result.failed} secret(s) could not be decrypted; list the key that sealed them in ` +
        "CONNECTION_SECRETS_ENCRYPTION_KEY_PREVIOUS and run `ctxpipe secrets rotate` again.",
      { expose: true },
    );
  }
  return summary;
}
