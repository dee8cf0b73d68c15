/**
 * What the pages GitHub sends the browser back to (/github/setup, /github/manifest) share: they
 * finish one step with the API as the signed-in admin. Signed out, the browser goes through
 * sign-in and comes back; signed in, the step runs once per page load (React's development
 * double effects included), since what it sends (an installation, a one-time code) is good once.
 */
import { useEffect, useRef } from "react";
import { signInHref, useSession } from "../api/session";

/** Runs `run` once the session says someone is signed in; answers the session query. */
export function useOnceSignedIn(run: () => void) {
  const session = useSession();
  const started = useRef(false);
  const latest = useRef(run);
  latest.current = run;
  const signedIn = Boolean(session.data);
  useEffect(() => {
    if (session.data === null) window.location.assign(signInHref());
    if (signedIn && !started.current) {
      started.current = true;
      latest.current();
    }
  }, [session.data, signedIn]);
  return session;
}
