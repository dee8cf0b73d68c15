/**
 * The web app's data layer keeps its shape (docs/architecture.md, "Web app"): each feature's
 * `*-api.ts` is the only place that calls the server and writes query keys; pages read route
 * parameters through the typed hooks of app-shell/route-params.ts, never a cast `useParams`;
 * and there is one error class, api/client.ts's ApiError. Each rule is also run on a planted
 * violation, so the check can fail.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../../web/src", import.meta.url));

/** The files that may call the server: the client itself, the session, the chat's event stream and each feature's `*-api.ts`. */
function mayCallServer(file: string): boolean {
  return file.endsWith("-api.ts") || ["api/client.ts", "api/session.ts", "chat/chat-stream.ts"].includes(file);
}

/** What breaks the rules in `files` (path relative to web/src → text), one line per problem. */
function problems(files: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    if (file === "api/schema.d.ts") continue;
    if (/\buseParams\(/.test(text) && file !== "app-shell/route-params.ts") found.push(`${file}: useParams outside app-shell/route-params.ts`);
    if (/\buse(Params|Search)\([^)]*\)\s+as\b/.test(text)) found.push(`${file}: a cast route parameter`);
    if (!mayCallServer(file) && /\bapi\.(GET|POST|PUT|PATCH|DELETE)\(|\bfetch\(|\brequestJson\(/.test(text))
      found.push(`${file}: calls the server outside a *-api.ts`);
    if (!mayCallServer(file) && /queryKey:\s*\[/.test(text)) found.push(`${file}: an inline query key`);
    if (/\bclass\s+\w+\s+extends\s+Error\b/.test(text) && file !== "api/client.ts") found.push(`${file}: an error class besides ApiError`);
  }
  return found;
}

/** Every .ts and .tsx file of web/src, by path relative to it. */
async function sources(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await fs.readdir(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(SRC, full).split(path.sep).join("/"), await fs.readFile(full, "utf8"));
  }
  return files;
}

describe("the web app's data layer", () => {
  it("calls the server, writes query keys and reads route parameters in one place each", async () => {
    const files = await sources();
    assert.ok(files.has("api/client.ts") && files.size > 20, "web/src was not read");
    assert.deepEqual(problems(files), []);
  });

  it("catches each planted violation", () => {
    const planted = new Map([
      [
        "home/page.tsx",
        'const { orgSlug } = useParams({ strict: false }) as { orgSlug: string };\nconst q = useQuery({ queryKey: ["repositories", orgSlug] });',
      ],
      ["graph/page.tsx", 'const s = useSearch({ strict: false }) as { q?: string };\nawait call(api.GET("/api/v1/orgs/{orgSlug}/graph/nodes"));'],
      ["status/panel.tsx", 'fetch("/.status");\nrequestJson("GET", "/.auth/config");'],
      ["auth-pages/auth-api.ts", "export class ApiError extends Error {}"],
    ]);
    assert.deepEqual(problems(planted), [
      "home/page.tsx: useParams outside app-shell/route-params.ts",
      "home/page.tsx: a cast route parameter",
      "home/page.tsx: an inline query key",
      "graph/page.tsx: a cast route parameter",
      "graph/page.tsx: calls the server outside a *-api.ts",
      "status/panel.tsx: calls the server outside a *-api.ts",
      "auth-pages/auth-api.ts: an error class besides ApiError",
    ]);
  });
});
