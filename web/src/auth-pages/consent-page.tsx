/**
 * /.auth/consent: names the app that asks for access, what it may do, and the organisation
 * the agent will work in (the MCP URL carries it; picking one here only shows that URL).
 * Allow or Deny posts the signed query to /.auth/oauth2/consent and follows the answer back
 * to the app.
 */
import { useEffect, useState } from "react";
import { clientLabel, nextLocation, requestJson, SCOPE_TEXT } from "./auth-api";

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
  const [slug, setSlug] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void clientLabel(clientId).then(setClient);
    requestJson<{ orgs: Org[] }>("GET", "/api/v1/orgs")
      .then(({ orgs: list }) => {
        setOrgs(list);
        setSlug(list[0]?.slug ?? "");
      })
      .catch(() => setOrgs([]));
  }, [clientId]);

  const decide = async (accept: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const body = await requestJson<unknown>("POST", "/.auth/oauth2/consent", { accept, oauth_query: window.location.search.slice(1) });
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
      <main className="shell auth-page">
        <p role="alert">This page is part of an app's sign-in; open it from the app.</p>
      </main>
    );
  return (
    <main className="shell auth-page">
      <h1>Allow access?</h1>
      <p>
        <strong data-testid="client-name">{client ?? "Loading…"}</strong> wants to use ctx<span className="pipe">|</span> as you.
      </p>
      <p className="note">The app's name is what it calls itself: allow only apps you just started yourself.</p>
      <h2>It will be able to</h2>
      <ul>
        <li>Search and read the code of an organisation you belong to, through MCP</li>
        {scopes.map((s) => (
          <li key={s}>{SCOPE_TEXT[s] ?? s}</li>
        ))}
      </ul>
      <h2>Organisation</h2>
      {orgs === null && <p aria-busy="true">Loading your organisations…</p>}
      {orgs?.length === 0 && <p>You are not a member of any organisation yet, so the app will find no code.</p>}
      {orgs && orgs.length > 0 && (
        <>
          <label htmlFor="org">The agent will work in</label>{" "}
          <select id="org" value={slug} onChange={(e) => setSlug(e.target.value)}>
            {orgs.map((o) => (
              <option key={o.slug} value={o.slug}>
                {o.name} ({o.slug})
              </option>
            ))}
          </select>
          <p className="note">
            The organisation is chosen by the MCP URL the app uses: <code>{`${window.location.origin}/mcp?orgSlug=${slug}`}</code>
          </p>
        </>
      )}
      {error && <p role="alert">{error}</p>}
      <p>
        <button type="button" onClick={() => void decide(true)} disabled={busy}>
          Allow
        </button>{" "}
        <button type="button" onClick={() => void decide(false)} disabled={busy}>
          Deny
        </button>
      </p>
    </main>
  );
}
