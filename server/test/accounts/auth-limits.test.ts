/**
 * Sign-in protections: per-account rate limits with 429 + Retry-After, the /.auth/config
 * document, and session cookie attributes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AUTH_RATE_LIMITS } from "../../src/accounts/auth/auth.route.js";
import { CREDENTIAL_FAILURES_PER_IP } from "../../src/accounts/auth/authenticate.js";
import { call, createOrgAs, signIn, signUp, uniqueEmail } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

describe("auth endpoints", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
  });
  after(() => app.stop());

  it("describes the enabled sign-in methods", async () => {
    const res = await fetch(`${app.url}/.auth/config`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      emailAndPassword: { enabled: true, minPasswordLength: 10 },
      passwordReset: false,
      invitationEmails: false,
      socialProviders: [],
      signUp: { mode: "open" },
      hasUsers: false,
    });
  });

  it("sets an httpOnly, SameSite=Lax session cookie", async () => {
    const res = await fetch(`${app.url}/.auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000" },
      body: JSON.stringify({ email: uniqueEmail(), password: "long enough password", name: "C" }),
    });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("ctxpipe.session_token="));
    assert.ok(cookie, "session cookie set");
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.doesNotMatch(cookie, /Secure/i, "not Secure on an http origin");
  });

  it("refuses short passwords", async () => {
    const res = await fetch(`${app.url}/.auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000" },
      body: JSON.stringify({ email: uniqueEmail(), password: "short", name: "S" }),
    });
    assert.equal(res.status, 400);
  });

  it("limits sign-in attempts per account with 429 and Retry-After", async () => {
    const user = await signUp(app);
    const limit = AUTH_RATE_LIMITS.signInPerAccount.max;
    for (let i = 0; i < limit; i++) {
      const attempt = await signIn(app, user.email, `wrong password ${i}`);
      assert.equal(attempt.status, 401, `attempt ${i + 1}`);
    }
    const blocked = await fetch(`${app.url}/.auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000" },
      body: JSON.stringify({ email: user.email.toUpperCase(), password: user.password }),
    });
    assert.equal(blocked.status, 429);
    const retryAfter = Number(blocked.headers.get("retry-after"));
    assert.ok(retryAfter > 0 && retryAfter <= AUTH_RATE_LIMITS.signInPerAccount.windowSeconds, `Retry-After ${retryAfter}`);
    const body = (await blocked.json()) as { error: { code: string } };
    assert.equal(body.error.code, "rate_limited");
    // The same limit holds for a form-encoded body, which Better Auth also accepts.
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data"]) {
      const form = new URLSearchParams({ email: user.email, password: user.password });
      const viaForm = await fetch(`${app.url}/.auth/sign-in/email`, {
        method: "POST",
        headers: { ...(type.startsWith("application") ? { "content-type": type } : {}), origin: "http://localhost:3000" },
        body: type.startsWith("application")
          ? form
          : (() => {
              const f = new FormData();
              f.set("email", user.email);
              f.set("password", user.password);
              return f;
            })(),
      });
      assert.equal(viaForm.status, 429, type);
    }
    // A field given twice is refused before anything reads it: the limit and Better Auth must
    // check the same e-mail address, or a decoy copy would get a locked account signed in.
    const decoy = uniqueEmail("decoy");
    const repeated: { type?: string; body: string | FormData; field: string }[] = [
      {
        type: "application/x-www-form-urlencoded",
        body: `email=${encodeURIComponent(decoy)}&email=${encodeURIComponent(user.email)}&password=${encodeURIComponent(user.password)}`,
        field: "email",
      },
      {
        type: "application/x-www-form-urlencoded",
        body: `email=${encodeURIComponent(user.email)}&password=x&password=${encodeURIComponent(user.password)}`,
        field: "password",
      },
      {
        body: (() => {
          const f = new FormData();
          f.append("email", decoy);
          f.append("email", user.email);
          f.append("password", user.password);
          return f;
        })(),
        field: "email",
      },
      {
        type: "application/json",
        body: `{"email":${JSON.stringify(decoy)},"password":${JSON.stringify(user.password)},"email":${JSON.stringify(user.email)}}`,
        field: "email",
      },
      {
        type: "application/json",
        body: `{"email":${JSON.stringify(user.email)},"password":${JSON.stringify(user.password)},"pass\\u0077ord":"x"}`,
        field: "password",
      },
    ];
    for (const { type, body, field } of repeated) {
      const res = await fetch(`${app.url}/.auth/sign-in/email`, {
        method: "POST",
        headers: { ...(type ? { "content-type": type } : {}), origin: "http://localhost:3000" },
        body,
      });
      const what = `${type ?? "multipart/form-data"} ${String(body).slice(0, 80)}`;
      assert.equal(res.status, 400, what);
      assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith("ctxpipe.session_token=")), `no session: ${what}`);
      const answer = (await res.json()) as { error: { code: string; details: { field: string } } };
      assert.equal(answer.error.code, "repeated_field", what);
      assert.equal(answer.error.details.field, field, what);
    }
    // Another account from the same IP is not blocked by this account's limit.
    const other = await signUp(app);
    assert.equal((await signIn(app, other.email, other.password)).status, 200);
  });

  // Last in this file: it leaves 127.0.0.1 blocked for API keys and invitation tokens.
  it("limits failed API keys and invitation tokens per IP, before a key is even looked at", async () => {
    const user = await signUp(app);
    const org = await createOrgAs(app, user);
    const key = (await call(app, "POST", `/api/v1/orgs/${org.slug}/api-keys`, { as: user, body: { name: "k" } })).json.key as string;
    const max = CREDENTIAL_FAILURES_PER_IP.max;
    for (let i = 0; i < max; i++) {
      // Unknown API keys and unknown invitation tokens count together.
      const res =
        i % 2 === 0
          ? await call(app, "GET", "/api/v1/me", { as: { apiKey: `ctx_${"x".repeat(40)}${i}` } })
          : await call(app, "GET", `/api/v1/invitations/${"B".repeat(42)}${i % 10}`);
      assert.equal(res.status, i % 2 === 0 ? 401 : 404, `attempt ${i + 1}: ${res.text}`);
    }
    for (const attempt of [
      () => call(app, "GET", "/api/v1/me", { as: { apiKey: `ctx_${"y".repeat(40)}` } }),
      () => call(app, "GET", `/api/v1/invitations/${"C".repeat(43)}`),
      // The IP is over its limit: even a valid key waits.
      () => call(app, "GET", "/api/v1/me", { as: { apiKey: key } }),
    ]) {
      const res = await attempt();
      assert.equal(res.status, 429, res.text);
      assert.equal(res.json.error.code, "rate_limited");
      assert.ok(Number(res.headers.get("retry-after")) > 0);
    }
    // A signed-in browser is not a guessed credential: its session still works.
    assert.equal((await call(app, "GET", "/api/v1/me", { as: user })).status, 200);
  });
});
