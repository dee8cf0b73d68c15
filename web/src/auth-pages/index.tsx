/**
 * The OAuth pages under /.auth (sign-in, consent, device approval), outside the app shell.
 * The server sends browser navigations to exactly these paths to the web app.
 */
import type { ReactElement } from "react";
import { ConsentPage } from "./consent-page";
import { DevicePage } from "./device-page";
import { SignInPage } from "./sign-in-page";
import "./auth-pages.css";

const PAGES: Record<string, () => ReactElement> = {
  "/.auth/sign-in": () => <SignInPage />,
  "/.auth/consent": () => <ConsentPage />,
  "/.auth/device": () => <DevicePage />,
};

/** The OAuth page for `pathname`, or null when it is not one. */
export function authPageFor(pathname: string): ReactElement | null {
  return PAGES[pathname]?.() ?? null;
}
