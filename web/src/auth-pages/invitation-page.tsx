/**
 * /invitations/accept?token=…: the link of an invitation. Shows which organisation invites
 * whom and with which role; a signed-in invitee accepts it and lands in the organisation;
 * anyone else is offered sign-up (with the token, for invite-only servers) or sign-in. An
 * unknown, expired or used invitation says so and what to do.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { SESSION_KEY, useSession } from "../api/session";
import { Button, errorMessage, Notice, QueryState } from "../ui/ui";
import { acceptInvitation, useInvitationPreview } from "./auth-api";
import { AuthLayout } from "./auth-layout";

/** The invitation page. */
export function InvitationPage() {
  const token = new URLSearchParams(window.location.search).get("token") ?? "";
  const session = useSession();
  const queryClient = useQueryClient();
  const preview = useInvitationPreview(token);
  const accept = useMutation({
    mutationFn: () => acceptInvitation(token),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
      window.location.assign(`/${result.org.slug}`);
    },
  });
  const here = `/invitations/accept?token=${encodeURIComponent(token)}`;

  return (
    <AuthLayout title="Invitation">
      {!token && <Notice kind="error">This link has no invitation token: open the link from the invitation again.</Notice>}
      {token && (
        <QueryState query={preview}>
          {(inv) => (
            <div className="flex flex-col gap-3">
              <p>
                <strong>{inv.orgName}</strong> invites <strong>{inv.email}</strong> to join as {inv.role}.
              </p>
              {inv.status === "expired" && <Notice kind="error">This invitation has expired: ask an admin of {inv.orgName} for a new one.</Notice>}
              {(inv.status === "accepted" || inv.status === "revoked") && <Notice kind="error">This invitation was already used or revoked.</Notice>}
              {inv.status === "pending" &&
                (session.data ? (
                  <>
                    <p className="text-sm text-soft">Signed in as {session.data.user.email}.</p>
                    {accept.error && <Notice kind="error">{errorMessage(accept.error)}</Notice>}
                    <Button onClick={() => accept.mutate()} disabled={accept.isPending}>
                      {accept.isPending ? "Joining…" : `Join ${inv.orgName}`}
                    </Button>
                  </>
                ) : (
                  <div className="flex flex-wrap gap-2">
                    <a
                      className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-on-accent"
                      href={`/sign-up?invitation=${encodeURIComponent(token)}&email=${encodeURIComponent(inv.email)}`}
                    >
                      Sign up as {inv.email}
                    </a>
                    <a className="rounded-md border border-line px-3 py-1.5 text-sm" href={`/sign-in?next=${encodeURIComponent(here)}`}>
                      I have an account
                    </a>
                  </div>
                ))}
            </div>
          )}
        </QueryState>
      )}
    </AuthLayout>
  );
}
