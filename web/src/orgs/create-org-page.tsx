/**
 * /new: create an organisation. The slug follows the name until edited, is checked as typed
 * (lower-case letters, digits and dashes, 2 to 32), and previewed as the URL it will be.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { SESSION_KEY } from "../api/session";
import { AuthLayout } from "../auth-pages/auth-layout";
import { Button, errorMessage, Field, Notice } from "../ui/ui";
import { createOrg } from "./org-api";

const SLUG = /^[a-z0-9][a-z0-9-]{1,31}$/;

/** A slug suggested by a name: "Acme Inc." → "acme-inc". */
export function slugFrom(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32);
}

/** The create-organisation page. */
export function CreateOrgPage() {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState<string | null>(null);
  const effective = slug ?? slugFrom(name);
  const slugProblem = effective && !SLUG.test(effective) ? "2 to 32 lower-case letters, digits and dashes, starting with a letter or digit." : null;
  const create = useMutation({
    mutationFn: () => createOrg(name.trim(), effective),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
      window.location.assign(`/${effective}`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!slugProblem) create.mutate();
  };
  return (
    <AuthLayout title="Create an organisation">
      <p className="mb-3 text-sm text-soft">An organisation holds your team's repositories, members and agent access.</p>
      <form onSubmit={submit} className="flex flex-col gap-3">
        <Field id="org-name" label="Name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <Field
          id="org-slug"
          label="URL name"
          required
          value={effective}
          onChange={(e) => setSlug(e.target.value.toLowerCase())}
          aria-invalid={slugProblem ? true : undefined}
          hint={slugProblem ?? `${window.location.origin}/${effective || "…"}`}
        />
        {create.error && <Notice kind="error">{errorMessage(create.error)}</Notice>}
        <Button type="submit" disabled={create.isPending || !name.trim() || Boolean(slugProblem)}>
          {create.isPending ? "Creating…" : "Create organisation"}
        </Button>
      </form>
    </AuthLayout>
  );
}
