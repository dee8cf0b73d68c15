/**
 * A real headless Chromium (Debian's package) driven by playwright-core. Never downloads a
 * browser: CHROMIUM_PATH or /usr/bin/chromium must exist (.ci/run installs it).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Where the browser binary is expected. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Launches Chromium with the flags this sandbox needs (no network chatter, no GPU).
 * @throws Error naming the missing binary and how to install it.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (see .ci/run) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
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
  });
}
