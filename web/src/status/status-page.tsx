/**
 * /status: the platform's live health for anyone (no sign-in), as /.status reports it.
 */
import { AuthLayout } from "../auth-pages/auth-layout";
import { StatusPanel } from "./status-panel";

/** The status page. */
export function StatusPage() {
  return (
    <AuthLayout title="Platform status">
      <StatusPanel />
    </AuthLayout>
  );
}
