/**
 * /github/manifest: where GitHub sends the browser after creating an App from our manifest
 * (the manifest's `redirect_url`), with a one-time `code` and the `state` the manifest was
 * posted with. The page reads the organisation out of the state, posts both to
 * …/github-manifest/conversions (the server checks the state and trades the code with GitHub
 * for the App's key and webhook secret, which never reach the browser), and replaces itself
 * in the history with the new connection's page, whose next step is to install the App. An
 * error says why, with a way back to Connections. Signing in first comes back here.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { AuthLayout } from "../auth-pages/auth-layout";
import { errorMessage, Notice } from "../ui/ui";
import { connectionKeys, convertManifest } from "./connection-api";
import { type InstallStatePayload, readInstallState } from "./install-state";
import { useOnceSignedIn } from "./once-signed-in";

const TITLE = "Finishing the GitHub App";

/** The manifest page. */
export function GithubManifestPage() {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  const state = params.get("state");
  const payload = state ? readInstallState(state, "manifest") : null;
  if (!code || !state || !payload) {
    return (
      <AuthLayout title={TITLE}>
        <Notice kind="error">
          This link from GitHub is not complete or not valid: start again with “Create the App on GitHub” under Settings → Connections in ctxpipe.
        </Notice>
        <p className="mt-3">
          <a href="/">Go to your organisations</a>
        </p>
      </AuthLayout>
    );
  }
  return <ConvertManifest payload={payload} code={code} state={state} />;
}

function ConvertManifest({ payload, code, state }: { payload: InstallStatePayload; code: string; state: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { orgSlug } = payload;
  const convert = useMutation({
    mutationFn: () => convertManifest(orgSlug, code, state),
    onSuccess: async ({ connection }) => {
      queryClient.setQueryData(connectionKeys.one(orgSlug, connection.id), connection);
      await queryClient.invalidateQueries({ queryKey: connectionKeys.all(orgSlug), exact: true });
      // Replace: Back must not return here and spend the code again.
      await navigate({ to: "/$orgSlug/settings/connections/$connectionId", params: { orgSlug, connectionId: connection.id }, replace: true });
    },
  });
  const session = useOnceSignedIn(() => convert.mutate());

  return (
    <AuthLayout title={TITLE}>
      {session.error || convert.error ? (
        <div className="flex flex-col gap-3">
          <Notice kind="error">{errorMessage(session.error ?? convert.error)}</Notice>
          <p>
            <Link to="/$orgSlug/settings/connections" params={{ orgSlug }}>
              Back to Connections
            </Link>{" "}
            · <a href="/">Go to your organisations</a>
          </p>
        </div>
      ) : (
        <p aria-busy="true">Connecting the new App to ctxpipe…</p>
      )}
    </AuthLayout>
  );
}
