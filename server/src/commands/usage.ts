/**
 * The maintenance commands' usage lines, apart from the commands themselves, so that
 * `ctxpipe --help` prints them without loading what the commands need.
 */

/** `ctxpipe admin` usage. */
export const ADMIN_USAGE = `  admin create-user --email E (--password-stdin | --password P) [--name N]
  admin create-org --slug S --name N --owner E
  admin create-api-key --email E --org S [--name N]`;

/** `ctxpipe secrets` usage. */
export const SECRETS_USAGE = `  secrets rotate   Re-encrypt every stored secret with the current key`;
