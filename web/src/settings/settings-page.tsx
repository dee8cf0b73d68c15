/**
 * /$orgSlug/settings: members and their roles, invitations (with the link to pass on when the
 * server sends no e-mail), and API keys (created and shown once, revoked). Admin actions
 * answer with the server's message when the role does not allow them.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { api, call } from "../api/client";
import { CopyBlock } from "../connect/connect-page";
import { Button, errorMessage, Field, Notice, PageHeader, QueryState } from "../ui/ui";

/** The settings page. */
export function SettingsPage() {
  const { orgSlug } = useParams({ strict: false }) as { orgSlug: string };
  return (
    <>
      <PageHeader title="Settings" />
      <div className="flex flex-col gap-8">
        <Members orgSlug={orgSlug} />
        <Invitations orgSlug={orgSlug} />
        <ApiKeys orgSlug={orgSlug} />
      </div>
    </>
  );
}

function Members({ orgSlug }: { orgSlug: string }) {
  const members = useQuery({
    queryKey: ["members", orgSlug],
    queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/members", { params: { path: { orgSlug } } })),
  });
  return (
    <section aria-labelledby="members">
      <h2 id="members" className="mb-2 text-lg font-semibold">
        Members
      </h2>
      <QueryState query={members}>
        {(data) => (
          <ul className="flex flex-col gap-1" data-testid="members">
            {(data.members as { userId: string; email: string; name: string; role: string }[]).map((m) => (
              <li key={m.userId}>
                {m.name} &lt;{m.email}&gt; · {m.role}
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
  const invite = useMutation({
    mutationFn: () => call(api.POST("/api/v1/orgs/{orgSlug}/invitations", { params: { path: { orgSlug } }, body: { email: email.trim(), role: "member" } })),
    onSuccess: async (result) => {
      setLink(result.inviteUrl ?? null);
      setEmail("");
      await queryClient.invalidateQueries({ queryKey: ["members", orgSlug] });
    },
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
      {invite.error && <Notice kind="error">{errorMessage(invite.error)}</Notice>}
      {invite.isSuccess && !link && <Notice kind="success">Invitation sent by e-mail.</Notice>}
      {link && (
        <div className="mt-2">
          <CopyBlock label="This server sends no e-mail: pass this invitation link on" text={link} />
        </div>
      )}
    </section>
  );
}

function ApiKeys({ orgSlug }: { orgSlug: string }) {
  const queryClient = useQueryClient();
  const key = ["api-keys", orgSlug];
  const keys = useQuery({ queryKey: key, queryFn: () => call(api.GET("/api/v1/orgs/{orgSlug}/api-keys", { params: { path: { orgSlug } } })) });
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => call(api.POST("/api/v1/orgs/{orgSlug}/api-keys", { params: { path: { orgSlug } }, body: { name: name.trim() } })),
    onSuccess: async (result) => {
      setCreated(result.key);
      setName("");
      await queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: (keyId: string) => call(api.DELETE("/api/v1/orgs/{orgSlug}/api-keys/{keyId}", { params: { path: { orgSlug, keyId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section aria-labelledby="api-keys">
      <h2 id="api-keys" className="mb-2 text-lg font-semibold">
        API keys
      </h2>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <Field id="key-name" label="Key name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <Button type="submit" disabled={create.isPending || !name.trim()}>
          Create key
        </Button>
      </form>
      {create.error && <Notice kind="error">{errorMessage(create.error)}</Notice>}
      {created && (
        <div className="mt-2">
          <CopyBlock label="Your new key: copy it now, it is not shown again" text={created} />
        </div>
      )}
      <QueryState query={keys}>
        {(data) => (
          <ul className="mt-3 flex flex-col gap-1">
            {(data.apiKeys as { id: string; name: string; prefix: string; revokedAt: string | null; lastUsedAt: string | null }[]).map((k) => (
              <li key={k.id} className="flex items-center gap-2 text-sm">
                <code>{k.prefix}…</code> {k.name}
                {k.revokedAt ? (
                  <span className="text-soft">revoked</span>
                ) : (
                  <Button variant="secondary" onClick={() => revoke.mutate(k.id)} aria-label={`Revoke ${k.name}`}>
                    Revoke
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
