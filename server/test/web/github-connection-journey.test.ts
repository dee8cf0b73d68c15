/**
 * The GitHub App connection in a real browser, against the real server, Postgres, git and a
 * local fake of GitHub (server/test/harness/fake-github.ts): an admin signs in → Settings →
 * Connections → connects an existing App by hand through the form → the connection's page
 * shows the webhook URL with the connection's id and the webhook secret once (a delivery
 * signed with the copied secret is accepted; a new secret replaces it) → "Install on GitHub"
 * goes to GitHub's install page (intercepted) → GitHub sends the browser back to /github/setup, signed out,
 * so sign-in comes first and returns there → the installation is bound and the connection's
 * page shows it → one repository is picked and saved → the repositories page shows it with a
 * GitHub source and it reaches "Ready" → "Check now" reports → delete unindexes it. Also: a
 * tampered state and an update made on GitHub, on the setup page. Then the recommended path:
 * "Create the App on GitHub" (an Enterprise Server the page's CSP refuses is said) posts the
 * manifest to GitHub (intercepted: the fake creates the App and answers the one-time code) →
 * /github/manifest makes the connection and gives way to its page, whose webhook already
 * works → a tampered state is refused there → Edit renames the connection, with a taken name
 * and a refused private key said beside their fields. Each new state is scanned with axe-core.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sign } from "@octokit/webhooks-methods";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../harness/browser.js";
import { startFakeGithub, type FakeGithub, type FakeInstallation } from "../harness/fake-github.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import type { TestApp } from "../harness/test-app.js";
import { startOAuthTestApp } from "../oauth/oauth-helpers.js";
import { type Journey, startJourney, waitInPage } from "./browser-journey.js";

describe("GitHub connection journey", () => {
  let github: FakeGithub;
  let app: TestApp;
  let browser: Browser;
  let journey: Journey;
  let owner: TestUser;
  let orgSlug: string;
  let installation: FakeInstallation;

  /** Signs in through the sign-in page the app sent the browser to; it returns where it was. */
  const signIn = async (page: Page) => {
    await page.waitForURL("**/sign-in?next=**");
    await page.getByLabel("E-mail").fill(owner.email);
    await page.getByLabel("Password").fill(owner.password);
    await page.getByRole("button", { name: "Sign in" }).click();
  };
  const healthRow = (page: Page, term: string) => page.getByTestId("connection-health").locator("div", { has: page.locator("dt", { hasText: term }) });
  /** Delivers a `ping` to `connectionId` signed with `secret`; answers the HTTP status. */
  const ping = async (connectionId: string, secret: string) => {
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const res = await fetch(`${app.url}/api/v1/webhook/github/${connectionId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": await sign(secret, body),
      },
      body,
    });
    return res.status;
  };
  /** `state` with its signature altered. */
  const tamper = (state: string) => `${state.slice(0, -4)}${state.endsWith("AAAA") ? "BBBB" : "AAAA"}`;

  before(async () => {
    github = await startFakeGithub();
    const api = await github.addRepository(
      "acme/api",
      { "src/server.ts": "export function handleRequest() {\n  return 'served by acme api';\n}\n" },
      { private: false },
    );
    const web = await github.addRepository("acme/web", { "src/app.tsx": "export const title = 'acme web frontend';\n" }, { private: true });
    installation = github.addInstallation("acme", [api.id, web.id]);
    app = await startOAuthTestApp({ CTXPIPE_GIT_ALLOWED_HOSTS: "127.0.0.1", GITHUB_API_URL: github.apiUrl });
    owner = await signUp(app);
    orgSlug = (await createOrgAs(app, owner, "acme-gh")).slug;
    browser = await launchBrowser();
    journey = await startJourney(browser, app.url);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await github?.stop();
  });

  it("connects a GitHub App, installs it, picks a repository that indexes, and deletes the connection", async () => {
    const { step, scan } = journey;
    const { page } = await journey.newUser();
    let connectionId = "";
    let state = "";

    await step(page, "the admin signs in and opens Connections", async () => {
      await page.goto(`/${orgSlug}/settings`);
      await signIn(page);
      await page.waitForURL(`**/${orgSlug}/settings`);
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Connections" }).click();
      await page.getByText("No connection yet").waitFor();
      // By hand is the second option: the steps on GitHub come before its form, with this server's setup URL.
      await page.getByText("Connect an existing App by hand").click();
      await page.getByRole("link", { name: "github.com/settings/apps/new" }).waitFor();
      await page.getByText(`${app.url}/github/setup`).waitFor();
      await scan(page, "settings connections");
    });

    await step(page, "connect a GitHub App through the form", async () => {
      await page.getByLabel("App ID").fill(String(github.app.id));
      await page.getByLabel("App slug").fill(github.app.slug);
      await page.getByLabel("Private key", { exact: true }).fill(github.app.privateKey);
      await page.getByRole("button", { name: "Connect", exact: true }).click();
      await page.waitForURL(new RegExp(`/${orgSlug}/settings/connections/con_[a-z0-9]{20}$`));
      connectionId = new URL(page.url()).pathname.split("/").at(-1)!;
      const secretBlock = page.getByTestId("webhook-secret");
      await secretBlock.getByText("shown once").waitFor();
      assert.match((await secretBlock.textContent()) ?? "", new RegExp(`${app.url.replace(/[.]/g, "\\.")}/api/v1/webhook/github/${connectionId}`));
      assert.match((await page.getByTestId("next-step").textContent()) ?? "", /Install the App on GitHub/);
      const values = (await page.getByTestId("registration-values").textContent()) ?? "";
      assert.match(values, /Contents: read-only, Metadata: read-only/);
      assert.match(values, /Eventspush, repository/);
      await scan(page, "github connection created");
    });

    await step(page, "the copied webhook secret signs deliveries; a new one replaces it", async () => {
      /** The secret shown, through its copy button. */
      const copiedSecret = async () => {
        await page.getByRole("button", { name: "Copy: Webhook secret" }).click();
        const secret = (await page.evaluate("navigator.clipboard.readText()")) as string;
        assert.match(secret, /^[0-9a-f]{64}$/);
        return secret;
      };
      const first = await copiedSecret();
      assert.equal(await ping(connectionId, first), 202);
      // Shown once: dismissed, or after a reload, it is gone; the delivery shows in the health.
      await page.getByRole("button", { name: "I have saved the secret" }).click();
      await page.reload();
      await healthRow(page, "Last webhook delivery").getByText("ping").first().waitFor();
      assert.equal(await page.getByTestId("webhook-secret").count(), 0);
      // Lost it? A new one, shown once, and the old one no longer signs.
      await page.getByText("Values for the App's settings on GitHub").click();
      await page.getByRole("button", { name: "New webhook secret…" }).click();
      await page.getByRole("button", { name: "Make a new secret" }).click();
      await page.getByTestId("webhook-secret").waitFor();
      const second = await copiedSecret();
      assert.notEqual(second, first);
      assert.equal(await ping(connectionId, first), 401);
      assert.equal(await ping(connectionId, second), 202);
      await page.getByRole("button", { name: "I have saved the secret" }).click();
    });

    await step(page, "Install on GitHub opens GitHub's install page", async () => {
      const githubOrigin = new URL(github.apiUrl).origin;
      let installPage = "";
      // The fake serves no web page: catch the navigation and answer a stand-in.
      await page.route(
        (url) => url.origin === githubOrigin,
        (route) => {
          installPage = route.request().url();
          return route.fulfill({ contentType: "text/html", body: "<!doctype html><title>GitHub</title><p>Install the App</p>" });
        },
      );
      await page.getByRole("button", { name: "Install on GitHub" }).click();
      await page.waitForURL((url) => url.origin === githubOrigin);
      assert.match(installPage, new RegExp(`/github-apps/${github.app.slug}/installations/new\\?state=`));
      state = new URL(installPage).searchParams.get("state")!;
      await page.unroute(() => true);
    });

    await step(page, "a tampered state is refused on the setup page", async () => {
      const tampered = tamper(state);
      const errors = await journey.errorsDuring(async () => {
        await page.goto(`/github/setup?installation_id=${installation.id}&setup_action=install&state=${encodeURIComponent(tampered)}`);
        await page.getByRole("alert").filter({ hasText: "The installation link is not valid" }).waitFor();
      });
      assert.ok(
        errors.length > 0 && errors.every((e) => /400 POST .*\/installation$|status of 400/.test(e)),
        `only the refused binding fails: ${errors.join("; ")}`,
      );
      await page.getByRole("link", { name: "Back to the connection" }).waitFor();
      await scan(page, "github setup error");
    });

    // GitHub sends the admin back; in a browser that is not signed in, sign-in comes first.
    const returning = await journey.newUser();
    await step(returning.page, "GitHub sends the browser back to the setup page", async () => {
      await returning.page.goto(`/github/setup?installation_id=${installation.id}&setup_action=install&state=${encodeURIComponent(state)}`);
      await signIn(returning.page);
      await returning.page.waitForURL(`**/${orgSlug}/settings/connections/${connectionId}`);
      await healthRow(returning.page, "Installed on").getByText("acme (organisation)").waitFor();
      assert.equal(await returning.page.getByTestId("connection-status").first().textContent(), "Active");
      assert.match((await returning.page.getByTestId("next-step").textContent()) ?? "", /Pick the repositories/);
      await returning.page.getByTestId("available-repositories").getByText("acme/web").waitFor();
      await scan(returning.page, "github connection installed");
    });

    await step(returning.page, "pick one repository and save", async () => {
      const p = returning.page;
      assert.ok(await p.getByLabel("Only the ones ticked below").isChecked());
      const choice = (name: string) => p.getByTestId("available-repositories").locator("label", { hasText: name });
      assert.match((await choice("acme/web").textContent()) ?? "", /private/);
      assert.doesNotMatch((await choice("acme/api").textContent()) ?? "", /private/);
      // "Some" leaves new repositories out unless asked.
      assert.equal(await p.getByLabel("Add new repositories automatically").isChecked(), false);
      await p.getByLabel("acme/api").check();
      await p.getByRole("button", { name: "Save" }).click();
      await p.getByText("Added (indexing now): acme/api").waitFor();
      await choice("acme/api").getByText("indexed").waitFor();
      await scan(p, "github repositories picked");
    });

    await step(returning.page, "the repository shows its GitHub source and reaches Ready", async () => {
      const p = returning.page;
      await p.getByRole("link", { name: "See the repositories" }).click();
      const row = p.getByTestId("repository").filter({ hasText: "acme/api" });
      await row.getByTestId("repository-source").filter({ hasText: "GitHub" }).waitFor();
      await row
        .getByTestId("repository-status")
        .filter({ hasText: /^Ready$/ })
        .waitFor({ timeout: 30_000 });
      assert.equal(await p.getByTestId("repository").filter({ hasText: "acme/web" }).count(), 0);
      await scan(p, "repositories with a github source");
      await row.getByRole("link", { name: "Source: GitHub" }).click();
      await p.waitForURL(`**/settings/connections/${connectionId}`);
    });

    await step(returning.page, "Check now reports the outcome", async () => {
      const p = returning.page;
      await p.getByRole("button", { name: "Check now" }).click();
      await p.getByText("Checked: the result is under").waitFor({ timeout: 20_000 });
      assert.doesNotMatch((await healthRow(p, "Last check with GitHub").textContent()) ?? "", /Not yet/);
    });

    await step(returning.page, "usable at 375 px wide, and in the dark theme", async () => {
      const p = returning.page;
      await p.setViewportSize({ width: 375, height: 740 });
      for (const url of [`/${orgSlug}/settings/connections`, `/${orgSlug}/settings/connections/${connectionId}`, `/${orgSlug}/repositories`]) {
        await p.goto(url);
        await p.getByRole("heading", { level: 1 }).waitFor();
        await p.getByRole("heading", { level: 2 }).first().waitFor();
        const overflow = (await p.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number;
        assert.ok(overflow <= 1, `${url} is ${overflow} px wider than the screen`);
      }
      await p.setViewportSize({ width: 1200, height: 760 });
      await p.emulateMedia({ colorScheme: "dark" });
      await p.goto(`/${orgSlug}/settings/connections/${connectionId}`);
      await p.getByTestId("connection-health").waitFor();
      await scan(p, "dark github connection");
      await p.emulateMedia({ colorScheme: "light" });
    });

    await step(page, "an update made on GitHub needs nothing here", async () => {
      await page.goto(`/github/setup?installation_id=${installation.id}&setup_action=update`);
      await page.getByText("The installation was updated on GitHub; changes arrive by webhook").waitFor();
      await scan(page, "github setup update");
    });

    await step(returning.page, "delete the connection: its repository is unindexed", async () => {
      const p = returning.page;
      await p.goto(`/${orgSlug}/settings/connections/${connectionId}`);
      await p.getByRole("button", { name: "Delete connection…" }).click();
      await p.getByText(/Its 1 repository \(acme\/api\) will be unindexed/).waitFor();
      await scan(p, "github connection delete");
      await p.getByRole("button", { name: "Delete GitHub" }).click();
      await p.waitForURL(`**/${orgSlug}/settings/connections`);
      await p.getByText("No connection yet").waitFor();
      await p.goto(`/${orgSlug}/repositories`);
      await p.getByText("No repositories yet").waitFor({ timeout: 20_000 });
    });

    assert.deepEqual(journey.consoleErrors, []);
  });

  it("creates the App on GitHub from a manifest, then edits the connection", async () => {
    const { step, scan } = journey;
    const { context, page } = await journey.newUser();
    // Signed in with the owner's session (the first journey signs in through the page).
    await context.addCookies(
      owner.cookie.split("; ").map((pair) => {
        const [name = "", ...value] = pair.split("=");
        return { name, value: value.join("="), url: app.url };
      }),
    );
    const githubOrigin = new URL(github.apiUrl).origin;
    let connectionId = "";
    let state = "";

    await step(page, "creating the App on GitHub is the first option, named after the organisation", async () => {
      await page.goto(`/${orgSlug}/settings/connections`);
      const form = page.getByRole("form", { name: "Create the App on GitHub" });
      assert.equal(await form.getByLabel("App name").inputValue(), "ctxpipe Org acme-gh");
      const text = (await page.locator("body").textContent()) ?? "";
      assert.ok(text.indexOf("Create the App on GitHub (recommended)") < text.indexOf("Connect an existing App by hand"), "recommended first");
      await scan(page, "github create app");
    });

    await step(page, "an Enterprise Server the page may not post to is said, not left hanging", async () => {
      const errors = await journey.errorsDuring(async () => {
        await page
          .getByRole("form", { name: "Create the App on GitHub" })
          .getByLabel("GitHub Enterprise Server API URL (optional)")
          .fill("http://127.0.0.2:9/api/v3");
        // Chromium never tells Playwright that the refused navigation ended: neither the click nor a locator may wait for it,
        // so the click does not wait after itself and the page is read directly.
        await page.getByRole("button", { name: "Create on GitHub" }).click({ noWaitAfter: true });
        await waitInPage(page, `[...document.querySelectorAll("[role=alert]")].some((e) => e.textContent.includes("not to http://127.0.0.2:9."))`);
      });
      assert.ok(errors.length > 0 && errors.every((e) => /form-action/.test(e)), `only the refused form fails: ${errors.join("; ")}`);
      assert.equal(await page.evaluate("location.pathname"), `/${orgSlug}/settings/connections`);
      assert.equal(await page.evaluate(`document.querySelector('form[aria-label="Create the App on GitHub"] button[type=submit]').disabled`), false);
      await page.goto(`/${orgSlug}/settings/connections`);
    });

    await step(page, "GitHub takes the posted manifest, creates the App and sends the browser back", async () => {
      let posted: { method: string; url: string; manifest: string } | undefined;
      // The fake serves no web page: play GitHub's part, which ends in a redirect with a one-time code.
      await page.route(
        (url) => url.origin === githubOrigin,
        (route) => {
          const request = route.request();
          const manifest = new URLSearchParams(request.postData() ?? "").get("manifest") ?? "";
          posted = { method: request.method(), url: request.url(), manifest };
          state = new URL(request.url()).searchParams.get("state") ?? "";
          const code = github.createAppFromManifest(manifest);
          return route.fulfill({ status: 302, headers: { location: `${app.url}/github/manifest?${new URLSearchParams({ code, state })}` } });
        },
      );
      await page.getByLabel("GitHub organisation (optional)").fill("acme");
      await page.getByRole("button", { name: "Create on GitHub" }).click();
      await page.waitForURL(new RegExp(`/${orgSlug}/settings/connections/con_[a-z0-9]{20}$`));
      await page.unroute(() => true);
      connectionId = new URL(page.url()).pathname.split("/").at(-1)!;
      assert.equal(posted?.method, "POST");
      assert.ok(posted.url.startsWith(`${githubOrigin}/organizations/acme/settings/apps/new?state=`), posted.url);
      const manifest = JSON.parse(posted.manifest) as { default_permissions: Record<string, string>; default_events: string[] };
      assert.deepEqual(manifest.default_permissions, { contents: "read", metadata: "read" });
      assert.deepEqual(github.manifestApp && { ...github.manifestApp, webhookSecret: "" }, {
        name: "ctxpipe Org acme-gh",
        hookUrl: `${app.url}/api/v1/webhook/github/${connectionId}`,
        redirectUrl: `${app.url}/github/manifest`,
        webhookSecret: "",
      });
      // The App's page next: install it. No secret to copy: GitHub has it, and deliveries it signs are accepted.
      await page.getByRole("heading", { level: 2, name: "ctxpipe Org acme-gh" }).waitFor();
      assert.match((await page.getByTestId("next-step").textContent()) ?? "", /Install the App on GitHub/);
      assert.equal(await page.getByTestId("webhook-secret").count(), 0);
      await page.getByRole("button", { name: "Install on GitHub" }).waitFor();
      assert.equal(await ping(connectionId, github.manifestApp!.webhookSecret), 202);
      await scan(page, "github connection from manifest");
      // The manifest page gave way in the history: Back returns to Connections.
      await page.goBack();
      await page.waitForURL(`**/${orgSlug}/settings/connections`);
    });

    await step(page, "a tampered state is refused on the manifest page", async () => {
      const errors = await journey.errorsDuring(async () => {
        await page.goto(`/github/manifest?code=0123456789abcdef&state=${encodeURIComponent(tamper(state))}`);
        await page.getByRole("alert").filter({ hasText: "is not valid" }).waitFor();
      });
      assert.ok(
        errors.length > 0 && errors.every((e) => /400 POST .*\/conversions$|status of 400/.test(e)),
        `only the refused conversion fails: ${errors.join("; ")}`,
      );
      await scan(page, "github manifest error");
      await page.getByRole("link", { name: "Back to Connections" }).click();
      await page.waitForURL(`**/${orgSlug}/settings/connections`);
    });

    await step(page, "Edit renames the connection; a name already taken is said beside it", async () => {
      const other = await call(app, "POST", `/api/v1/orgs/${orgSlug}/connections`, {
        as: owner,
        body: { type: "github", name: "Taken", appId: github.app.id, appSlug: github.app.slug, privateKey: github.app.privateKey },
      });
      assert.equal(other.status, 201, other.text);
      await page.goto(`/${orgSlug}/settings/connections/${connectionId}`);
      await page.getByRole("button", { name: "Edit…" }).click();
      const form = page.getByRole("form", { name: "Edit the connection" });
      assert.equal(await form.getByLabel("App slug").inputValue(), github.app.slug);
      const name = form.getByLabel("Connection name");
      await name.fill("Taken");
      const errors = await journey.errorsDuring(async () => {
        await form.getByRole("button", { name: "Save" }).click();
        await form.getByRole("alert").filter({ hasText: 'A connection named "Taken" already exists.' }).waitFor();
      });
      assert.ok(errors.length > 0 && errors.every((e) => /409 PATCH |status of 409/.test(e)), `only the taken name fails: ${errors.join("; ")}`);
      assert.equal(await name.getAttribute("aria-invalid"), "true");
      await name.fill("Acme on GitHub");
      await scan(page, "github connection edit");
      await form.getByRole("button", { name: "Save" }).click();
      await page.getByRole("heading", { level: 2, name: "Acme on GitHub" }).waitFor();
      await page.getByText("Saved.").waitFor();
    });

    await step(page, "a file that is not a private key is refused beside the key", async () => {
      await page.getByRole("button", { name: "Edit…" }).click();
      const form = page.getByRole("form", { name: "Edit the connection" });
      const key = form.getByLabel("Replace the private key (optional)");
      await form.getByLabel("Or read the .pem file").setInputFiles({
        name: "wrong.pem",
        mimeType: "application/x-pem-file",
        buffer: Buffer.from("-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n"),
      });
      await waitInPage(page, `document.getElementById("edit-private-key")?.value.includes("bm90IGEga2V5")`);
      const errors = await journey.errorsDuring(async () => {
        await form.getByRole("button", { name: "Save" }).click();
        await form.getByRole("alert").filter({ hasText: "Is not a readable RSA private key" }).waitFor();
      });
      assert.ok(errors.length > 0 && errors.every((e) => /400 PATCH |status of 400/.test(e)), `only the refused key fails: ${errors.join("; ")}`);
      assert.equal(await key.getAttribute("aria-invalid"), "true");
      assert.match((await key.getAttribute("aria-describedby")) ?? "", /edit-private-key-error/);
      assert.equal(await form.getByRole("alert").count(), 1, "the error is beside the key only");
      await page.getByRole("heading", { level: 2, name: "Acme on GitHub" }).waitFor();
      await scan(page, "github connection edit error");
    });

    assert.deepEqual(journey.consoleErrors, []);
  });
});
