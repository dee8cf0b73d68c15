/**
 * /$orgSlug/settings: the members (admins change roles and remove people; the last owner
 * stays) and the invitations (invite by e-mail, with the link to pass on when the server sends
 * no e-mail; resend or revoke pending ones).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useIsAdmin, useSession } from "../api/session";
import { CopyBlock } from "../connect/connect-page";
import { Button, errorMessage, Field, Notice, QueryState } from "../ui/ui";
import {
  inviteMember,
  removeMember,
  resendInvitation,
  revokeInvitation,
  ROLES,
  type Role,
  setMemberRole,
  settingsKeys,
  useInvitations,
  useMembers,
} from "./settings-api";
import { useOrgSlug } from "../app-shell/route-params";

/** The members and invitations page. */
export function MembersPage() {
  const orgSlug = useOrgSlug();
  const isAdmin = useIsAdmin(orgSlug);
  return (
    <div className="flex flex-col gap-8">
      <Members orgSlug={orgSlug} isAdmin={isAdmin} />
      {isAdmin ? <Invitations orgSlug={orgSlug} /> : <Notice>Admins invite people; ask one of them for an invitation link.</Notice>}
    </div>
  );
}

function Members({ orgSlug, isAdmin }: { orgSlug: string; isAdmin: boolean }) {
  const queryClient = useQueryClient();
  const me = useSession().data?.user.id;
  const members = useMembers(orgSlug);
  const refresh = () => queryClient.invalidateQueries({ queryKey: settingsKeys.members(orgSlug) });
  const setRole = useMutation({
    mutationFn: (v: { userId: string; role: Role }) => setMemberRole(orgSlug, v.userId, v.role),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (userId: string) => removeMember(orgSlug, userId),
    onSuccess: refresh,
  });
  return (
    <section aria-labelledby="members">
      <h2 id="members" className="mb-2 text-lg font-semibold">
        Members
      </h2>
      {(setRole.error || remove.error) && <Notice kind="error">{errorMessage(setRole.error ?? remove.error)}</Notice>}
      <QueryState query={members}>
        {(data) => (
          <ul className="flex flex-col gap-2" data-testid="members">
            {data.members.map((m) => (
              <li key={m.userId} className="flex flex-wrap items-center gap-2">
                <span>
                  {m.name} &lt;{m.email}&gt;
                </span>
                {isAdmin && m.userId !== me ? (
                  <>
                    <label className="sr-only" htmlFor={`role-${m.userId}`}>
                      Role of {m.email}
                    </label>
                    <select
                      id={`role-${m.userId}`}
                      className="rounded-md border border-line bg-surface px-2 py-1 text-sm"
                      value={m.role}
                      onChange={(e) => setRole.mutate({ userId: m.userId, role: e.target.value as Role })}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                    <Button variant="secondary" onClick={() => remove.mutate(m.userId)} aria-label={`Remove ${m.email}`}>
                      Remove
                    </Button>
                  </>
                ) : (
                  <span className="text-sm text-soft">· {m.role}</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

function Invitations({ orgSlug }: { orgSlug: string }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [link, setLink] = useState<string | null>(null);
  const list = useInvitations(orgSlug);
  const refresh = () => queryClient.invalidateQueries({ queryKey: settingsKeys.invitations(orgSlug) });
  const invite = useMutation({
    mutationFn: () => inviteMember(orgSlug, email.trim()),
    onSuccess: async (result) => {
      setLink(result.inviteUrl ?? null);
      setEmail("");
      await refresh();
    },
  });
  const resend = useMutation({
    mutationFn: (invitationId: string) => resendInvitation(orgSlug, invitationId),
    onSuccess: async (result) => {
      setLink(result.inviteUrl ?? null);
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (invitationId: string) => revokeInvitation(orgSlug, invitationId),
    onSuccess: refresh,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  return (
    <section aria-labelledby="invitations">
      <h2 id="invitations" className="mb-2 text-lg font-semibold">
        Invite a teammate
      </h2>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <Field id="invite-email" label="E-mail" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Button type="submit" disabled={invite.isPending}>
          Invite
        </Button>
      </form>
      {(invite.error || resend.error || revoke.error) && <Notice kind="error">{errorMessage(invite.error ?? resend.error ?? revoke.error)}</Notice>}
      {invite.isSuccess && !link && <Notice kind="success">Invitation sent by e-mail.</Notice>}
      {link && (
        <div className="mt-2">
          <CopyBlock label="This server sends no e-mail: pass this invitation link on" text={link} />
        </div>
      )}
      <QueryState query={list}>
        {(data) => (
          <ul className="mt-3 flex flex-col gap-1 text-sm">
            {data.invitations
              .filter((i) => i.status === "pending")
              .map((i) => (
                <li key={i.id} className="flex flex-wrap items-center gap-2">
                  {i.email} · {i.role} · expires {new Date(i.expiresAt).toLocaleDateString()}
                  <Button variant="secondary" onClick={() => resend.mutate(i.id)} aria-label={`Resend the invitation to ${i.email}`}>
                    Resend
                  </Button>
                  <Button variant="secondary" onClick={() => revoke.mutate(i.id)} aria-label={`Revoke the invitation to ${i.email}`}>
                    Revoke
                  </Button>
                </li>
              ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
