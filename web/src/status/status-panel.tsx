/**
 * Shows GET /.status: overall state and each check with its latency.
 */
import { useEffect, useState } from "react";

interface Check {
  status: string;
  latencyMs?: number;
  message?: string;
}
interface Status {
  status: "ok" | "degraded" | "down";
  version: string;
  checks: Record<string, Check>;
}

/** Fetches /.status once on mount and renders it as a small table. */
export function StatusPanel() {
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    fetch("/.status")
      .then((res) => res.json() as Promise<Status>)
      .then(setStatus)
      .catch((err: unknown) => setError(String(err)));
  }, []);

  if (error) return <p role="alert">Status unavailable: {error}</p>;
  if (!status) return <p aria-busy="true">Checking status…</p>;
  return (
    <section aria-labelledby="status-heading">
      <h2 id="status-heading">
        Status: <span data-testid="overall-status">{status.status}</span>
      </h2>
      <table>
        <tbody>
          {Object.entries(status.checks).map(([name, check]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{check.status}</td>
              <td>{check.latencyMs !== undefined ? `${check.latencyMs} ms` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="version">version {status.version}</p>
    </section>
  );
}
