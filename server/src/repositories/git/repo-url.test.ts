/**
 * parseRepoUrl: every accepted form and every refusal reason, as tables.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { parseRepoUrl, RepoUrlError, type ParsedRepoUrl, type RepoUrlRefusal } from "./repo-url.js";

const strict = { allowLocal: false };
const local = { allowLocal: true };

describe("parseRepoUrl accepts", () => {
  const cases: [string, Partial<ParsedRepoUrl>][] = [
    [
      "https://github.com/org/repo.git",
      { kind: "https", url: "https://github.com/org/repo.git", host: "github.com", path: "/org/repo.git", displayName: "github.com/org/repo" },
    ],
    ["HTTPS://GitHub.COM/Org/Repo", { kind: "https", url: "https://github.com/Org/Repo", host: "github.com", displayName: "github.com/Org/Repo" }],
    ["https://git.example.com:8443/a/b/c", { url: "https://git.example.com:8443/a/b/c", port: 8443, displayName: "git.example.com:8443/a/b/c" }],
    ["https://github.com:443/org/repo", { url: "https://github.com/org/repo", port: undefined }],
    ["  https://github.com/org/repo  ", { url: "https://github.com/org/repo" }],
    ["https://140.82.112.3/org/repo", { host: "140.82.112.3" }],
    ["https://[2606:4700::1111]/org/repo", { host: "2606:4700::1111", url: "https://[2606:4700::1111]/org/repo", displayName: "[2606:4700::1111]/org/repo" }],
    [
      "ssh://git@github.com/org/repo.git",
      { kind: "ssh", url: "ssh://git@github.com/org/repo.git", host: "github.com", user: "git", path: "/org/repo.git", displayName: "github.com/org/repo" },
    ],
    [
      "ssh://GitLab.example.com:2222/group/sub/repo",
      { kind: "ssh", host: "gitlab.example.com", port: 2222, url: "ssh://gitlab.example.com:2222/group/sub/repo" },
    ],
    ["ssh://git@github.com:22/org/repo", { url: "ssh://git@github.com/org/repo", port: undefined }],
    [
      "git@github.com:org/repo.git",
      { kind: "ssh", url: "git@github.com:org/repo.git", host: "github.com", user: "git", path: "org/repo.git", displayName: "github.com/org/repo" },
    ],
    [
      "deploy@Git.Example.com:/srv/git/repo",
      { kind: "ssh", host: "git.example.com", user: "deploy", path: "/srv/git/repo", url: "deploy@git.example.com:/srv/git/repo" },
    ],
  ];
  for (const [input, expected] of cases) {
    it(input.trim(), () => {
      const parsed = parseRepoUrl(input, strict);
      for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual(parsed[key as keyof ParsedRepoUrl], value, key);
      }
    });
  }

  it("http:// and local paths only with allowLocal", () => {
    assert.deepEqual(parseRepoUrl("http://127.0.0.1:8080/repo", local), {
      kind: "http",
      url: "http://127.0.0.1:8080/repo",
      host: "127.0.0.1",
      port: 8080,
      path: "/repo",
      displayName: "127.0.0.1:8080/repo",
    });
    assert.equal(parseRepoUrl("/srv/repo.git", local).url, "/srv/repo.git");
    // The folder's name, not the absolute path, names a local repository (it shows in every citation).
    assert.equal(parseRepoUrl("/srv/git/repo.git", local).displayName, "repo");
    assert.equal(parseRepoUrl("/home/me/src/ctxpipe", local).displayName, "ctxpipe");
    assert.equal(parseRepoUrl("./x", local).url, path.resolve("x"));
    assert.equal(parseRepoUrl("../x", local).kind, "local");
    assert.equal(parseRepoUrl("file:///srv/a%20b", local).url, "/srv/a b");
  });
});

describe("parseRepoUrl refuses", () => {
  const cases: [string, RepoUrlRefusal, boolean?][] = [
    ["file:///etc/passwd", "local_path"],
    ["/srv/repo", "local_path"],
    ["./x", "local_path"],
    ["../x", "local_path"],
    ["repo", "local_path"],
    ["C:\\x", "local_path", true],
    ["C:/x", "local_path", true],
    ["ext::sh -c touch% /tmp/pwned", "malformed"],
    ["ext::sh", "unsupported_scheme", true],
    ["fd::17", "unsupported_scheme", true],
    ["http://github.com/org/repo", "unsupported_scheme"],
    ["git://github.com/org/repo", "unsupported_scheme", true],
    ["ftp://example.com/repo", "unsupported_scheme", true],
    ["https://user:tok@github.com/org/repo", "credentials_in_url"],
    ["https://ghp_abcdef@github.com/org/repo", "credentials_in_url"],
    ["ssh://git:pw@github.com/org/repo", "credentials_in_url"],
    ["-uhttps://github.com/org/repo", "option_injection"],
    ["--upload-pack=touch /tmp/x", "option_injection", true],
    ["ssh://-oProxyCommand=touch%20x/repo", "option_injection"],
    ["ssh://-oProxyCommand@host/repo", "option_injection"],
    ["-oProxyCommand=x@host:repo", "option_injection"],
    ["git@-oProxyCommand=x:repo", "option_injection"],
    ["git@github.com:-repo", "option_injection"],
    ["https://github.com/org/my repo", "malformed"],
    ["https://github.com/org/re\u0000po", "malformed"],
    ["https://github.com/org/re\tpo", "malformed"],
    ["https://github..com/org/repo", "malformed"],
    ["https:///org/repo", "malformed"],
    ["https://github.com/", "malformed"],
    ["https://github.com/org/repo?x=1", "malformed"],
    ["https://github.com/org/repo#main", "malformed"],
    ["https://github.com/x/../../y", "malformed"],
    ["https://github.com/x/%2e%2e/y", "malformed"],
    ["https://github.com/x/%2E%2E/%2e%2E/y", "malformed"],
    ["ssh://git@github.com/org/./repo", "malformed"],
    ["https://evil.com\\@github.com/org/repo", "malformed"],
    ["https://0x7f.1/repo", "malformed"],
    ["ssh://2130706433/repo", "malformed"],
    ["ssh://host_name/repo", "malformed"],
    ["https://github.com:0/org/repo", "malformed"],
    ["github.com:org/repo", "malformed", true],
    ["", "malformed"],
    ["x".repeat(3000), "malformed"],
  ];
  it("says how to allow local paths", () => {
    assert.throws(() => parseRepoUrl("/srv/repo", strict), /CTXPIPE_ALLOW_LOCAL_REPOSITORIES=true/);
  });

  for (const [input, reason, alsoWithLocal] of cases) {
    it(`${JSON.stringify(input.slice(0, 60))} → ${reason}`, () => {
      for (const options of alsoWithLocal ? [strict, local] : [strict]) {
        assert.throws(
          () => parseRepoUrl(input, options),
          (err: unknown) => err instanceof RepoUrlError && err.reason === reason && err.code === "invalid_repository_url" && err.status === 400,
        );
      }
    });
  }

  it("trims outer whitespace but refuses inner whitespace", () => {
    assert.equal(parseRepoUrl("https://github.com/org/repo\n", strict).url, "https://github.com/org/repo");
    assert.throws(() => parseRepoUrl("https://github.com/org/re po", strict), RepoUrlError);
  });
});
