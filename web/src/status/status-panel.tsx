/**
 * Shows GET /.status: overall state and each check with its latency.
 */
import { useEffect, useState } from "react";
import { errorMessage } from "../ui/ui";
import { fetchStatus, type PlatformStatus } from "./status-api";

/** Fetches /.status once on mount and renders it as a small table. */
export function StatusPanel() {
  const [status, setStatus] = useState<PlatformStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    fetchStatus()
      .then(setStatus)
      .catch((err: unknown) => setError(errorMessage(err)));
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
