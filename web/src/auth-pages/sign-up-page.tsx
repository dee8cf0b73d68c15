/**
 * /sign-up: name, e-mail and password. With `?invitation=<token>` (from the invitation page)
 * the token goes along, so an invite-only server admits the invited address, and the browser
 * returns to the invitation to accept it. The server's rule (AUTH_SIGN_UP) is said up front,
 * and a refusal shows the server's own message (invite-only, domains, a taken address).
 */
import { useState, type FormEvent } from "react";
import { Button, Field, NewPasswordField, Notice } from "../ui/ui";
import { type AuthConfig, signUpWithEmail, useAuthConfig } from "./auth-api";
import { safeNext } from "./next-location";
import { AuthLayout } from "./auth-layout";

/** What the server's sign-up rule means for someone without an invitation. */
function ruleText(rule: AuthConfig["signUp"]): string | null {
  if (rule.mode === "first-user") return "The first account of this server signs up freely; after that, accounts are by invitation: open the link in yours.";
  if (rule.mode === "invite-only") return "This server creates accounts by invitation: open the link in your invitation to sign up.";
  if (rule.mode === "domains") return `This server creates accounts for addresses at ${rule.domains.join(", ")}, or by invitation.`;
  return null;
}

/** The sign-up page. */
export function SignUpPage() {
  const params = new URLSearchParams(window.location.search);
  const invitation = params.get("invitation") ?? undefined;
  const next = invitation ? `/invitations/accept?token=${encodeURIComponent(invitation)}` : safeNext(params.get("next"), window.location.origin);
  const config = useAuthConfig();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const minLength = config.data?.emailAndPassword.minPasswordLength ?? 10;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signUpWithEmail({
        name: String(form.get("name") ?? ""),
        email: String(form.get("email") ?? ""),
        password: String(form.get("password") ?? ""),
        invitationToken: invitation,
      });
      window.location.assign(next);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  const rule = config.data && !invitation ? ruleText(config.data.signUp) : null;
  return (
    <AuthLayout title="Create your account">
      {invitation && <p className="mb-3">Sign up with the address the invitation was sent to.</p>}
      {rule && (
        <div className="mb-3">
          <Notice>{rule}</Notice>
        </div>
      )}
      <form onSubmit={submit} className="flex flex-col gap-3">
        <Field id="name" name="name" label="Name" autoComplete="name" required maxLength={100} />
        <Field id="email" name="email" type="email" label="E-mail" autoComplete="email" required defaultValue={params.get("email") ?? undefined} />
        <NewPasswordField label="Password" minLength={minLength} />
        {error && <Notice kind="error">{error}</Notice>}
        <Button type="submit" disabled={busy}>
          {busy ? "Creating your account…" : "Sign up"}
        </Button>
      </form>
      <p className="mt-4 text-sm">
        Have an account? <a href={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</a>
      </p>
    </AuthLayout>
  );
}
