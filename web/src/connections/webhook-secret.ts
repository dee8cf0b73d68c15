/**
 * The webhook secret of a connection just created, kept in this tab's memory only (never in
 * storage or the browser history) until the admin says it is saved: the server answers it
 * once, on creation, and cannot show it again. A reload forgets it.
 */
const secrets = new Map<string, string>();

/** Keeps the secret of `connectionId` for its page. */
export function rememberWebhookSecret(connectionId: string, secret: string): void {
  secrets.set(connectionId, secret);
}

/** The kept secret of `connectionId`, if this tab created it and it was not dismissed. */
export function webhookSecretOf(connectionId: string): string | undefined {
  return secrets.get(connectionId);
}

/** Drops the secret of `connectionId`. */
export function forgetWebhookSecret(connectionId: string): void {
  secrets.delete(connectionId);
}
