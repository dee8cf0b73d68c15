/**
 * The connection flows that sign a state with AUTH_SECRET, in the default embedded mode (no
 * DATABASE_URL, no AUTH_SECRET: the secret is generated in the data directory, as `npm start`
 * runs): the GitHub App install link and installation binding, the App-manifest flow, and
 * Confluence's authorize step all answer, with states the generated secret signs.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type FakeAtlassian, startFakeAtlassian } from "../harness/fake-atlassian.js";
import { type FakeGithub, startFakeGithub } from "../harness/fake-github.js";
import { call, createOrgAs, signUp, type TestUser } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("connections in embedded mode without AUTH_SECRET", () => {
  let github: FakeGithub;
  let atlassian: FakeAtlassian;
  let app: TestApp;
  let owner: TestUser;
  let org: { slug: string };

  before(async () => {
    github = await startFakeGithub();
    atlassian = await startFakeAtlassian();
    app = await startTestApp({
      embedded: true,
      env: {
        // The fakes speak plain http on loopback.
        CTXPIPE_ALLOW_LOCAL_REPOSITORIES: "true",
        CTXPIPE_GIT_ALLOWED_HOSTS: "127.0.0.1",
        GITHUB_API_URL: github.apiUrl,
        ATLASSIAN_AUTH_URL: atlassian.url,
        ATLASSIAN_API_URL: atlassian.url,
      },
    });
    assert.equal(app.running.platform.config.database.url, undefined, "embedded mode");
    owner = await signUp(app);
    org = await createOrgAs(app, owner);
  });
  after(async () => {
    await app?.stop();
    await github?.stop();
    await atlassian?.stop();
  });

  it("gives a GitHub App install link whose state binds the installation", async () => {
    const created = await call(app, "POST", `/api/v1/orgs/${org.slug}/connections`, {
      as: owner,
      body: { type: "github", name: "GitHub", appId: github.app.id, appSlug: github.app.slug, privateKey: github.app.privateKey },
    });
    assert.equal(created.status, 201, created.text);
    const base = `/api/v1/orgs/${org.slug}/connections/${created.json.connection.id}`;
    const link = await call(app, "GET", `${base}/install-url`, { as: owner });
    assert.equal(link.status, 200, link.text);
    const state = new URL(link.json.url).searchParams.get("state");
    assert.ok(state);
    const installation = github.addInstallation("acme", []);
    const bound = await call(app, "POST", `${base}/installation`, { as: owner, body: { installationId: installation.id, state } });
    assert.equal(bound.status, 200, bound.text);
  });

  it("starts the App-manifest flow and converts GitHub's code with its state", async () => {
    const made = await call(app, "POST", `/api/v1/orgs/${org.slug}/connections/github-manifest`, {
      as: owner,
      body: { name: "ctxpipe embedded", githubOrganization: "acme" },
    });
    assert.equal(made.status, 200, made.text);
    const code = github.createAppFromManifest(made.json.manifest);
    const state = new URL(made.json.postUrl).searchParams.get("state")!;
    const converted = await call(app, "POST", `/api/v1/orgs/${org.slug}/connections/github-manifest/conversions`, { as: owner, body: { code, state } });
    assert.equal(converted.status, 201, converted.text);
  });

  it("starts Confluence's authorization with a signed state", async () => {
    const base = `/api/v1/orgs/${org.slug}/connections/confluence`;
    const created = await call(app, "POST", base, { as: owner, body: { name: "Wiki", clientId: atlassian.clientId, clientSecret: atlassian.clientSecret } });
    assert.equal(created.status, 201, created.text);
    const started = await call(app, "POST", `${base}/${created.json.id}/authorize`, { as: owner });
    assert.equal(started.status, 200, started.text);
    assert.ok(new URL(started.json.authorizeUrl).searchParams.get("state"));
  });
});
