/**
 * A real headless Chromium (Debian's package) driven by playwright-core. Never downloads a
 * browser: CHROMIUM_PATH, or Debian's chromium-headless-shell, or /usr/bin/chromium must exist
 * (.ci/run installs them). The headless shell is the build Playwright itself uses for headless
 * runs, without the full browser's UI layers: the browser journeys cost it about a third less
 * CPU (27.3 -> 17.2 s for the web app and chat journeys).
 *
 * `npm test` starts one Chromium for the whole run when a selected file needs it
 * (run-tests.ts, `startBrowserServer`) and hands its endpoint to the files in
 * CTXPIPE_TEST_BROWSER_ENDPOINT; `launchBrowser` connects to it, so each file only opens
 * contexts of its own. A file run on its own launches its own Chromium.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserServer, type LaunchOptions } from "playwright-core";

/** Where the browser binary is expected: CHROMIUM_PATH, else the headless shell when installed, else Chromium. */
export const CHROMIUM_PATH =
  process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium-headless-shell") ? "/usr/bin/chromium-headless-shell" : "/usr/bin/chromium");
/** Environment variable carrying the run's shared browser endpoint to test files. */
export const BROWSER_ENDPOINT_ENV = "CTXPIPE_TEST_BROWSER_ENDPOINT";

/**
 * Chromium with the flags this sandbox needs (no network chatter, no GPU).
 * @throws Error naming the missing binary and how to install it.
 */
function launchOptions(): LaunchOptions {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (see .ci/run) or set CHROMIUM_PATH`);
  }
  return {
    executablePath: CHROMIUM_PATH,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  };
}

/**
 * The run's shared Chromium when the runner started one, else a Chromium of this process.
 * Either way `close()` ends this file's use of it (for the shared one: its contexts and the
 * connection, not the browser).
 * @throws Error naming the missing binary and how to install it.
 */
export async function launchBrowser(): Promise<Browser> {
  const endpoint = process.env[BROWSER_ENDPOINT_ENV];
  if (endpoint) return chromium.connect(endpoint);
  return chromium.launch(launchOptions());
}

/** Starts the one Chromium a test run shares (run-tests.ts); its `wsEndpoint()` goes in BROWSER_ENDPOINT_ENV. */
export async function startBrowserServer(): Promise<BrowserServer> {
  return chromium.launchServer(launchOptions());
}
