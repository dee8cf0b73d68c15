/**
 * /github/setup: where GitHub sends the browser after the App's install page (the App's
 * "Setup URL"), with `installation_id`, `setup_action` and the `state` of our install link.
 * With a state, the page reads which organisation and connection it belongs to, binds the
 * installation (POST …/installation, which checks the state's signature and asks GitHub), and
 * opens the connection's page; an error says why, with a way back. An update made on GitHub,
 * or a visit without a state, needs nothing here: webhooks carry the change. Signing in first
 * comes back here.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { AuthLayout } from "../auth-pages/auth-layout";
import { errorMessage, Notice } from "../ui/ui";
import { bindInstallation, connectionKeys } from "./connection-api";
import { type InstallStatePayload, readInstallState } from "./install-state";
import { useOnceSignedIn } from "./once-signed-in";

/** The setup page. */
export function GithubSetupPage() {
  const params = new URLSearchParams(window.location.search);
  const action = params.get("setup_action");
  const state = params.get("state");
  const installationId = Number(params.get("installation_id"));
  if (action === "request") {
    return (
      <AuthLayout title="Installation requested">
        <p>
          GitHub asked an owner of the account to approve the installation. Once it is approved, start again with “Install on GitHub” on the connection's page.
        </p>
        <p className="mt-3">
          <a href="/">Go to your organisations</a>
        </p>
      </AuthLayout>
    );
  }
  if (action === "update" || !state) {
    return (
      <AuthLayout title="Installation updated">
        <p>The installation was updated on GitHub; changes arrive by webhook.</p>
        <p className="mt-2 text-sm text-soft">To connect a new installation, start from the connection's page in ctxpipe (“Install on GitHub”).</p>
        <p className="mt-3">
          <a href="/">Go to your organisations</a>
        </p>
      </AuthLayout>
    );
  }
  const payload = readInstallState(state);
  if (!payload || !Number.isSafeInteger(installationId) || installationId <= 0) {
    return (
      <AuthLayout title="Finishing the installation">
        <Notice kind="error">This link from GitHub is not complete or not valid: start the installation again from the connection's page in ctxpipe.</Notice>
        <p className="mt-3">
          <a href="/">Go to your organisations</a>
        </p>
      </AuthLayout>
    );
  }
  return <BindInstallation payload={payload} state={state} installationId={installationId} />;
}

function BindInstallation({ payload, state, installationId }: { payload: InstallStatePayload; state: string; installationId: number }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { orgSlug, connectionId } = payload;
  const bind = useMutation({
    mutationFn: () => bindInstallation(orgSlug, connectionId, installationId, state),
    onSuccess: async (connection) => {
      queryClient.setQueryData(connectionKeys.one(orgSlug, connectionId), connection);
      await queryClient.invalidateQueries({ queryKey: connectionKeys.all(orgSlug), exact: true });
      // Replace: Back must not return here and bind again.
      await navigate({ to: "/$orgSlug/settings/connections/$connectionId", params: { orgSlug, connectionId }, replace: true });
    },
  });
  const session = useOnceSignedIn(() => bind.mutate());

  return (
    <AuthLayout title="Finishing the installation">
      {session.error ? (
        <Notice kind="error">{errorMessage(session.error)}</Notice>
      ) : bind.error ? (
        <div className="flex flex-col gap-3">
          <Notice kind="error">{errorMessage(bind.error)}</Notice>
          <p>
            <Link to="/$orgSlug/settings/connections/$connectionId" params={{ orgSlug, connectionId }}>
              Back to the connection
            </Link>{" "}
            · <a href="/">Go to your organisations</a>
          </p>
        </div>
      ) : (
        <p aria-busy="true">Connecting the installation to ctxpipe…</p>
      )}
    </AuthLayout>
  );
}
