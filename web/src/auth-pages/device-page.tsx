/**
 * /.auth/device: approve an agent on another device (OAuth device flow). Enter or confirm the
 * code the agent shows; looking it up reserves it for you and names the app; then approve or
 * deny. Signs you in first when needed.
 */
import { AuthLayout } from "./auth-layout";
import { Button, Field } from "../ui/ui";
import { useEffect, useState, type FormEvent } from "react";
import { clientLabel, decideDeviceCode, type DeviceLookup, hasSession, lookUpDeviceCode, SCOPE_TEXT } from "./auth-api";

/** User codes are shown with a dash and read in any case: keep letters and digits only. */
function normalise(code: string): string {
  return code.replace(/[^A-Za-z0-9]/g, "").toUpperCase();
}

/** The device approval page. */
export function DevicePage() {
  const [signedIn, setSignedIn] = useState<boolean | null>(null);
  const [code, setCode] = useState(new URLSearchParams(window.location.search).get("user_code") ?? "");
  const [lookup, setLookup] = useState<DeviceLookup | null>(null);
  const [client, setClient] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    hasSession()
      .then(setSignedIn)
      .catch(() => setSignedIn(false));
  }, []);

  const find = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const found = await lookUpDeviceCode(normalise(code));
      if (found.status !== "pending") throw new Error("This code was already used.");
      if (!found.client_id) throw new Error("Another account already took this code.");
      setLookup(found);
      setClient(await clientLabel(found.client_id));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const decide = async (approve: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await decideDeviceCode(normalise(code), approve);
      setDone(approve ? "Approved. You can go back to your agent." : "Denied. The agent gets no access.");
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const here = `${window.location.pathname}${window.location.search}`;
  return (
    <AuthLayout title="Connect a device">
      {/* Spaced as the sign-in card: one column, gap-3 between blocks. */}
      <div className="flex flex-col gap-3">
        {signedIn === null && <p aria-busy="true">Checking your session…</p>}
        {signedIn === false && (
          <p>
            <a href={`/.auth/sign-in?next=${encodeURIComponent(here)}`}>Sign in</a> first, then come back to this page.
          </p>
        )}
        {signedIn && done && <p role="status">{done}</p>}
        {signedIn && !done && !lookup && (
          <form onSubmit={find} className="flex flex-col gap-3">
            <Field
              id="user-code"
              label="Code shown by the agent"
              name="user_code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              autoComplete="off"
              autoCapitalize="characters"
              spellCheck={false}
              maxLength={20}
              required
            />
            <Button type="submit" disabled={busy}>
              Continue
            </Button>
          </form>
        )}
        {signedIn && !done && lookup && (
          <>
            <p>
              <strong data-testid="client-name">{client}</strong> <span className="text-sm text-soft">(unverified name)</span> asks for access to ctx
              <span className="pipe">|</span> as you. Approve only if the code <code>{normalise(code)}</code> is shown on your device.
            </p>
            <ul className="list-disc pl-5">
              <li>Search and read the code of an organisation you belong to, through MCP</li>
              {(lookup.scope ?? "")
                .split(" ")
                .filter(Boolean)
                .map((s) => (
                  <li key={s}>{SCOPE_TEXT[s] ?? s}</li>
                ))}
            </ul>
            <div className="flex gap-2">
              <Button onClick={() => void decide(true)} disabled={busy}>
                Approve
              </Button>
              <Button variant="secondary" onClick={() => void decide(false)} disabled={busy}>
                Deny
              </Button>
            </div>
          </>
        )}
        {error && <p role="alert">{error}</p>}
      </div>
    </AuthLayout>
  );
}
