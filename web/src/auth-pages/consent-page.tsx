/**
 * /.auth/consent: names the app that asks for access and what it may do: the code of every
 * organisation the user belongs to. A grant is the user's, not one organisation's: the MCP URL
 * the app uses (`/mcp?orgSlug=…`) picks the organisation, so the page lists those URLs rather
 * than offering a choice it could not enforce (docs/mcp.md). Allow or Deny posts the signed
 * query to /.auth/oauth2/consent and follows the answer back to the app.
 */
import { AuthLayout } from "./auth-layout";
import { Button } from "../ui/ui";
import { useEffect, useState } from "react";
import { clientLabel, decideConsent, listOrgs, SCOPE_TEXT } from "./auth-api";
import { nextLocation } from "./next-location";

interface Org {
  slug: string;
  name: string;
}

/** The consent page. */
export function ConsentPage() {
  const params = new URLSearchParams(window.location.search);
  const clientId = params.get("client_id") ?? "";
  const scopes = (params.get("scope") ?? "").split(" ").filter(Boolean);
  const [client, setClient] = useState<string | null>(null);
  const [orgs, setOrgs] = useState<Org[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void clientLabel(clientId).then(setClient);
    listOrgs()
      .then(({ orgs: list }) => setOrgs(list))
      .catch(() => setOrgs([]));
  }, [clientId]);

  const decide = async (accept: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const body = await decideConsent(accept, window.location.search.slice(1));
      const target = nextLocation(body);
      if (!target) throw new Error("The server did not say where to go next.");
      window.location.assign(target);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  if (!clientId)
    return (
      <AuthLayout title="Allow access?">
        <p role="alert">This page is part of an app's sign-in; open it from the app.</p>
      </AuthLayout>
    );
  return (
    <AuthLayout title="Allow access?">
      {/* Spaced as the sign-in card: one column, gap-3 between blocks. */}
      <div className="flex flex-col gap-3">
        <p>
          <strong data-testid="client-name">{client ?? "Loading…"}</strong>{" "}
          <span className="text-sm text-soft" data-testid="client-name-unverified">
            (unverified)
          </span>{" "}
          wants to use ctx<span className="pipe">|</span> as you.
        </p>
        <p className="text-sm text-soft">
          The app's name is unverified: it is what the app calls itself, and ctx<span className="pipe">|</span> has not checked it. Allow only apps you just
          started yourself.
        </p>
        <h2 className="mt-2 font-semibold">It will be able to</h2>
        <ul className="list-disc pl-5">
          <li>Search and read the code of every organisation you belong to, through MCP</li>
          {scopes.map((s) => (
            <li key={s}>{SCOPE_TEXT[s] ?? s}</li>
          ))}
        </ul>
        <h2 className="mt-2 font-semibold">Organisations</h2>
        {orgs === null && <p aria-busy="true">Loading your organisations…</p>}
        {orgs?.length === 0 && <p>You are not a member of any organisation yet, so the app will find no code.</p>}
        {orgs && orgs.length > 0 && (
          <>
            <p>The app reaches the organisation named in the MCP URL it is set up with:</p>
            <ul data-testid="org-urls" className="flex flex-col gap-1 break-all">
              {orgs.map((o) => (
                <li key={o.slug}>
                  {o.name}: <code>{`${window.location.origin}/mcp?orgSlug=${o.slug}`}</code>
                </li>
              ))}
            </ul>
            <p className="text-sm text-soft">To keep an agent to one organisation, give it an API key of that organisation instead.</p>
          </>
        )}
        {error && <p role="alert">{error}</p>}
        <div className="mt-2 flex gap-2">
          <Button onClick={() => void decide(true)} disabled={busy}>
            Allow
          </Button>
          <Button variant="secondary" onClick={() => void decide(false)} disabled={busy}>
            Deny
          </Button>
        </div>
      </div>
    </AuthLayout>
  );
}
