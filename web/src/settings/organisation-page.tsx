/**
 * /$orgSlug/settings/organisation: rename the organisation (admins) and delete it with all
 * its data (owners), after typing its URL name to confirm.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { SESSION_KEY, useSession } from "../api/session";
import { deleteOrg, renameOrg } from "../orgs/org-api";
import { Button, errorMessage, Field, Notice } from "../ui/ui";
import { useOrgSlug } from "../app-shell/route-params";

/** The organisation page. */
export function OrganisationPage() {
  const orgSlug = useOrgSlug();
  const org = useSession().data?.orgs.find((o) => o.slug === orgSlug);
  const queryClient = useQueryClient();
  const [name, setName] = useState(org?.name ?? "");
  const [confirm, setConfirm] = useState("");
  const rename = useMutation({
    mutationFn: () => renameOrg(orgSlug, name.trim()),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: SESSION_KEY }),
  });
  const remove = useMutation({
    mutationFn: () => deleteOrg(orgSlug),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
      window.location.assign("/");
    },
  });
  const submitRename = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate();
  };
  const submitDelete = (event: FormEvent) => {
    event.preventDefault();
    if (confirm === orgSlug) remove.mutate();
  };
  return (
    <div className="flex flex-col gap-8">
      <form onSubmit={submitRename} className="flex flex-col gap-2" aria-labelledby="rename">
        <h2 id="rename" className="text-lg font-semibold">
          Name
        </h2>
        <Field id="org-name" label="Organisation name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        {rename.error && <Notice kind="error">{errorMessage(rename.error)}</Notice>}
        {rename.isSuccess && <Notice kind="success">Renamed.</Notice>}
        <div>
          <Button type="submit" disabled={rename.isPending || !name.trim()}>
            Rename
          </Button>
        </div>
      </form>
      <form onSubmit={submitDelete} className="flex flex-col gap-2 rounded-lg border border-danger p-4" aria-labelledby="delete">
        <h2 id="delete" className="text-lg font-semibold text-danger">
          Delete the organisation
        </h2>
        <p className="text-sm">Removes its repositories, indexes, members, invitations, API keys and audit log. This cannot be undone.</p>
        <Field id="confirm-delete" label={`Type ${orgSlug} to confirm`} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" />
        {remove.error && <Notice kind="error">{errorMessage(remove.error)}</Notice>}
        <div>
          <Button type="submit" variant="danger" disabled={confirm !== orgSlug || remove.isPending}>
            Delete {orgSlug}
          </Button>
        </div>
      </form>
    </div>
  );
}
