/**
 * What to enter in the App's settings on GitHub, each with a copy button: the URLs (the
 * webhook URL names the connection, so it exists only once the connection does), the
 * read-only permissions and the events. And the webhook secret, shown once after creation.
 */
import { useId } from "react";
import { CopyButton } from "../ui/copy-button";
import { Button } from "../ui/ui";
import type { Connection } from "./connection-api";

/** "contents: read" → "Contents: read-only", as GitHub's form words it. */
export function permissionsText(permissions: Record<string, string>): string {
  return Object.entries(permissions)
    .map(([name, level]) => `${name.charAt(0).toUpperCase()}${name.slice(1)}: ${level === "read" ? "read-only" : level}`)
    .join(", ");
}

function Value({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <li className="flex flex-col gap-1 border-b border-line py-2 sm:flex-row sm:items-center sm:gap-3">
      <span className="text-sm font-medium sm:w-40 sm:shrink-0">{label}</span>
      <span className="min-w-0 flex-1">
        <code className="break-all text-sm">{value}</code>
        {note && <span className="block text-xs text-soft">{note}</span>}
      </span>
      <span>
        <CopyButton label={label} text={value} />
      </span>
    </li>
  );
}

/** The values of `registration`, in the order of GitHub's form. */
export function RegistrationValues({ registration }: { registration: Connection["registration"] }) {
  return (
    <ul data-testid="registration-values">
      <Value label="Homepage URL" value={registration.homepageUrl} />
      <Value label="Callback URL" value={registration.callbackUrl} />
      <Value label="Setup URL" value={registration.setupUrl} note="Tick “Redirect on update”." />
      <Value label="Webhook URL" value={registration.webhookUrl} note="Tick “Active” under Webhook." />
      <Value label="Permissions" value={permissionsText(registration.permissions)} note="Repository permissions; nothing else." />
      <Value label="Events" value={registration.events.join(", ")} note="Subscribe to these (GitHub sends installation events to every App)." />
    </ul>
  );
}

/** The webhook secret, once, beside the webhook URL: a warning, copy buttons, and "I have saved it". */
export function WebhookSecret({ secret, webhookUrl, onDismiss }: { secret: string; webhookUrl: string; onDismiss: () => void }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="rounded-lg border-2 border-danger bg-surface p-4" data-testid="webhook-secret">
      <h3 id={headingId} className="font-semibold text-danger">
        Webhook secret: shown once
      </h3>
      <p className="mt-1 text-sm">
        In the App's settings on GitHub, under <strong>Webhook</strong>, tick <strong>Active</strong> and enter this URL and secret now. ctxpipe keeps the
        secret encrypted and cannot show it again: if it is lost, make a new one (“New webhook secret”).
      </p>
      <ul className="mt-2">
        <Value label="Webhook URL" value={webhookUrl} />
        <Value label="Webhook secret" value={secret} />
      </ul>
      <div className="mt-2">
        <Button variant="secondary" onClick={onDismiss}>
          I have saved the secret
        </Button>
      </div>
    </section>
  );
}
