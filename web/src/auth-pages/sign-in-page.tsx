/**
 * /.auth/sign-in: e-mail and password. Better Auth sends OAuth flows here with a signed query
 * (…&sig=…); signing in with that query continues the flow (to consent, or back to the app).
 * Without one it returns to `?next=` (same origin only) or the home page.
 */
import { useState, type FormEvent } from "react";
import { ApiError, nextLocation, requestJson, safeNext } from "./auth-api";

/** The sign-in page. */
export function SignInPage() {
  const params = new URLSearchParams(window.location.search);
  const oauthQuery = params.has("sig") ? window.location.search.slice(1) : undefined;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const body = await requestJson<unknown>("POST", "/.auth/sign-in/email", {
        email: String(form.get("email") ?? ""),
        password: String(form.get("password") ?? ""),
        ...(oauthQuery ? { oauth_query: oauthQuery } : {}),
      });
      window.location.assign((oauthQuery && nextLocation(body)) || safeNext(params.get("next"), window.location.origin));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? "Wrong e-mail address or password." : String((err as Error).message));
      setBusy(false);
    }
  };

  return (
    <main className="shell auth-page">
      <h1>
        Sign in to ctx<span className="pipe">|</span>
      </h1>
      {oauthQuery && <p>An app asked to connect to your account. Sign in to continue.</p>}
      <form onSubmit={submit} aria-describedby={error ? "sign-in-error" : undefined}>
        <p>
          <label htmlFor="email">E-mail</label>
          <br />
          <input id="email" name="email" type="email" autoComplete="username" required />
        </p>
        <p>
          <label htmlFor="password">Password</label>
          <br />
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </p>
        {error && (
          <p id="sign-in-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
