/**
 * /forgot-password asks for a reset link by e-mail (only when the server can send e-mail;
 * otherwise it says to ask an administrator, who has `ctxpipe admin reset-password`), and
 * /reset-password?token=… (where the e-mailed link lands) sets the new password. Reset links
 * expire after an hour and work once; the server ends the account's sessions and OAuth grants.
 */
import { useState, type FormEvent } from "react";
import { Button, Field, NewPasswordField, Notice } from "../ui/ui";
import { requestPasswordReset, resetPassword, useAuthConfig } from "./auth-api";
import { AuthLayout } from "./auth-layout";

/** The forgot-password page. */
export function ForgotPasswordPage() {
  const config = useAuthConfig();
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get("email") ?? "");
    setError(null);
    try {
      await requestPasswordReset(email, `${window.location.origin}/reset-password`);
      setSent(true);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <AuthLayout title="Reset your password">
      {config.data && !config.data.passwordReset ? (
        <Notice>This server sends no e-mail, so it cannot send a reset link. Ask an administrator to reset your password.</Notice>
      ) : sent ? (
        <Notice kind="success">If an account uses that address, a reset link is on its way. It works once, for an hour.</Notice>
      ) : (
        <form onSubmit={submit} className="flex flex-col gap-3">
          <Field id="email" name="email" type="email" label="E-mail" autoComplete="email" required />
          {error && <Notice kind="error">{error}</Notice>}
          <Button type="submit">Send a reset link</Button>
        </form>
      )}
      <p className="mt-4 text-sm">
        <a href="/sign-in">Back to sign-in</a>
      </p>
    </AuthLayout>
  );
}

/** The reset-password page (from the e-mailed link). */
export function ResetPasswordPage() {
  const params = new URLSearchParams(window.location.search);
  const token = params.get("token") ?? "";
  const linkError = params.get("error");
  const config = useAuthConfig();
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const minLength = config.data?.emailAndPassword.minPasswordLength ?? 10;
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const newPassword = String(new FormData(event.currentTarget).get("password") ?? "");
    setError(null);
    try {
      await resetPassword(token, newPassword);
      setDone(true);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <AuthLayout title="Choose a new password">
      {linkError || !token ? (
        <Notice kind="error">
          This reset link is not valid or has expired. <a href="/forgot-password">Ask for a new one</a>.
        </Notice>
      ) : done ? (
        <Notice kind="success">
          Your password is changed, and every other session is signed out. <a href="/sign-in">Sign in</a>.
        </Notice>
      ) : (
        <form onSubmit={submit} className="flex flex-col gap-3">
          <NewPasswordField label="New password" minLength={minLength} />
          {error && <Notice kind="error">{error}</Notice>}
          <Button type="submit">Set the new password</Button>
        </form>
      )}
    </AuthLayout>
  );
}
