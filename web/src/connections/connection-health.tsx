/**
 * A connection's health at a glance: its status badge, and the facts an admin checks when
 * something is off (where the App is installed, the last webhook delivery, the last check
 * against GitHub, the last error). The next step has its own callout (connection-page.tsx).
 */
import type { ReactNode } from "react";
import { type Connection, githubWebUrl, STATUS_TEXT } from "./connection-api";

/** The status as a small badge: green when active, red when suspended or failing. */
export function StatusBadge({ status }: { status: Connection["status"] }) {
  const look = { pending: "border-line text-soft", active: "border-ok text-ok", suspended: "border-danger text-danger", error: "border-danger text-danger" }[
    status
  ];
  return (
    <span className={`rounded-full border px-2 py-0.5 text-xs font-medium ${look}`} data-testid="connection-status">
      {STATUS_TEXT[status]}
    </span>
  );
}

const when = (at: string) => new Date(at).toLocaleString();

function Row({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-0.5 border-b border-line py-1.5 sm:flex-row sm:gap-3">
      <dt className="font-medium sm:w-44 sm:shrink-0">{term}</dt>
      <dd className="min-w-0 break-words text-soft">{children}</dd>
    </div>
  );
}

/** The health facts of `connection`, as a description list. */
export function ConnectionHealth({ connection }: { connection: Connection }) {
  const { installation, lastDelivery, lastReconcile, config } = connection;
  return (
    <dl className="text-sm" data-testid="connection-health">
      <Row term="Status">
        <StatusBadge status={connection.status} />
      </Row>
      <Row term="GitHub App">
        <a href={`${githubWebUrl(config.apiUrl)}/apps/${encodeURIComponent(config.appSlug)}`}>{config.appSlug}</a> (App ID {config.appId})
      </Row>
      <Row term="Installed on">
        {installation ? `${installation.account} (${installation.accountType === "Organization" ? "organisation" : "user"})` : "Not installed yet"}
      </Row>
      <Row term="Last webhook delivery">
        {lastDelivery ? (
          <>
            {when(lastDelivery.at)}: <code>{lastDelivery.event}</code>, {lastDelivery.result}
          </>
        ) : (
          "None yet"
        )}
      </Row>
      <Row term="Last check with GitHub">{lastReconcile ? `${when(lastReconcile.at)}: ${lastReconcile.result}` : "Not yet"}</Row>
      <Row term="Last error">{connection.lastError ?? "None"}</Row>
    </dl>
  );
}
