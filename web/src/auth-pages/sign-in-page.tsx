/**
 * Sign-in with e-mail and password, at /sign-in and /.auth/sign-in. Better Auth sends OAuth
 * flows to the latter with a signed query (…&sig=…); signing in with that query continues the
 * flow (to consent, or back to the app). Without one it returns to `?next=` (same origin
 * only) or the home page. Social buttons show for the providers the server has on.
 */
import { useState, type FormEvent } from "react";
import { Button, Field, Notice } from "../ui/ui";
import { ApiError } from "../api/client";
import { signInWithEmail, signInWithProvider, useAuthConfig } from "./auth-api";
import { nextLocation, safeNext } from "./next-location";
import { AuthLayout } from "./auth-layout";

/** The sign-in page. */
export function SignInPage() {
  const params = new URLSearchParams(window.location.search);
  const oauthQuery = params.has("sig") ? window.location.search.slice(1) : undefined;
  const next = safeNext(params.get("next"), window.location.origin);
  const config = useAuthConfig();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const body = await signInWithEmail({ email: String(form.get("email") ?? ""), password: String(form.get("password") ?? ""), oauthQuery });
      window.location.assign((oauthQuery && nextLocation(body)) || next);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? "Wrong e-mail address or password." : String((err as Error).message));
      setBusy(false);
    }
  };

  const social = async (provider: string) => {
    try {
      const body = await signInWithProvider(provider, next);
      const target = nextLocation(body);
      if (target) window.location.assign(target);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <AuthLayout title="Sign in">
      {oauthQuery && <p>An app asked to connect to your account. Sign in to continue.</p>}
      <form onSubmit={submit} className="flex flex-col gap-3" aria-describedby={error ? "sign-in-error" : undefined}>
        <Field id="email" name="email" type="email" label="E-mail" autoComplete="username" required />
        <Field id="password" name="password" type="password" label="Password" autoComplete="current-password" required />
        {error && (
          <div id="sign-in-error">
            <Notice kind="error">{error}</Notice>
          </div>
        )}
        <Button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </form>
      {(config.data?.socialProviders.length ?? 0) > 0 && (
        <div className="mt-4 flex flex-col gap-2">
          {config.data?.socialProviders.map((p) => (
            <Button key={p} variant="secondary" onClick={() => void social(p)}>
              Sign in with {p === "github" ? "GitHub" : p === "google" ? "Google" : p}
            </Button>
          ))}
        </div>
      )}
      {!oauthQuery && (
        <p className="mt-4 text-sm">
          No account yet? <a href={`/sign-up${params.get("next") ? `?next=${encodeURIComponent(next)}` : ""}`}>Sign up</a>
          {config.data?.passwordReset && (
            <>
              {" · "}
              <a href="/forgot-password">Forgot your password?</a>
            </>
          )}
        </p>
      )}
    </AuthLayout>
  );
}
