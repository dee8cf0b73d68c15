/**
 * /.auth POST bodies of a media type Better Auth does not read: every POST endpoint of the
 * Better Auth instance answers 415 `unsupported_media_type` (or 400 `bad_request` for a
 * multipart body without a boundary), never a 500. The three accepted types still reach
 * Better Auth, whatever the case of their name.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAuth } from "../../src/accounts/index.js";
import { createMailer } from "../../src/platform/email/mailer.js";
import { signUp, type TestUser } from "../harness/http-client.js";
import { startTestApp, type TestApp } from "../harness/test-app.js";

const ORIGIN = "http://localhost:3000";
const FORM = "email=someone%40example.test&password=not+the+password&name=x&token=t&client_id=c&grant_type=x";

/** Odd Content-Types (undefined: none at all), the status and code each must get. */
const ODD_TYPES: { type: string | undefined; status: number; code: string }[] = [
  { type: "x/application/x-www-form-urlencoded", status: 415, code: "unsupported_media_type" },
  { type: "x/application/json", status: 415, code: "unsupported_media_type" },
  { type: "text/plain", status: 415, code: "unsupported_media_type" },
  { type: "application/json; charset=bogus", status: 415, code: "unsupported_media_type" },
  { type: "application/x-www-form-urlencoded; charset=latin1", status: 415, code: "unsupported_media_type" },
  { type: "application/vnd.evil+json", status: 415, code: "unsupported_media_type" },
  { type: "multipart/form-data", status: 400, code: "bad_request" },
  { type: "", status: 415, code: "unsupported_media_type" },
  { type: undefined, status: 415, code: "unsupported_media_type" },
];

describe("/.auth content types", () => {
  let app: TestApp;
  let postPaths: string[];
  let users: TestUser[];
  before(async () => {
    app = await startTestApp({ roles: ["server"] });
    users = [await signUp(app), await signUp(app)];
    // Every POST endpoint the Better Auth instance has (with its plugins), as /.auth paths.
    const { platform } = app.running;
    const auth = createAuth({ config: platform.config, db: platform.db, mailer: createMailer(undefined, platform.logger), logger: platform.logger });
    postPaths = Object.values(auth.api as Record<string, { path?: string; options?: { method?: string | string[] } }>)
      .filter((e) => e.path && [e.options?.method ?? []].flat().some((m) => m === "POST" || m === "*"))
      .map((e) => `/.auth${e.path}`);
  });
  after(() => app.stop());

  it("refuses an unexpected content type on every POST endpoint, never with a 500", async () => {
    assert.ok(postPaths.length > 20 && postPaths.includes("/.auth/sign-in/email") && postPaths.includes("/.auth/oauth2/token"), postPaths.join(" "));
    const user = users[0]!;
    const problems: string[] = [];
    for (const path of postPaths) {
      // Some endpoints take a path parameter: any value will do.
      const url = `${app.url}${path.replace(/:[A-Za-z]+/g, "x")}`;
      for (const { type, status, code } of ODD_TYPES) {
        for (const cookie of [undefined, user.cookie]) {
          const headers: Record<string, string> = { origin: ORIGIN };
          if (cookie) headers.cookie = cookie;
          if (type !== undefined) headers["content-type"] = type;
          // Bytes: fetch adds no Content-Type of its own.
          const res = await fetch(url, { method: "POST", headers, body: new TextEncoder().encode(FORM), redirect: "manual" });
          const text = await res.text();
          let got = "";
          try {
            got = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? "";
          } catch {}
          if (res.status !== status || got !== code)
            problems.push(`${path} ${JSON.stringify(type)}${cookie ? " signed in" : ""}: ${res.status} ${text.slice(0, 120)}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("still hands the accepted types to Better Auth, however their name is cased", async () => {
    const user = users[1]!;
    for (const [type, body] of [
      ["Application/JSON; Charset=UTF-8", JSON.stringify({ email: user.email, password: "not the password" })],
      ['application/json;charset="utf-8"', JSON.stringify({ email: user.email, password: "not the password" })],
      ["APPLICATION/X-WWW-FORM-URLENCODED", `email=${encodeURIComponent(user.email)}&password=wrong+password`],
    ] as const) {
      const res = await fetch(`${app.url}/.auth/sign-in/email`, { method: "POST", headers: { origin: ORIGIN, "content-type": type }, body });
      assert.equal(res.status, 401, `${type}: ${await res.text()}`);
    }
    const res = await fetch(`${app.url}/.auth/sign-in/email`, {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "Application/JSON" },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    assert.equal(res.status, 200, await res.text());
    const out = await fetch(`${app.url}/.auth/sign-out`, {
      method: "POST",
      headers: { origin: ORIGIN, cookie: user.cookie, "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(out.status, 200, await out.text());
  });
});
