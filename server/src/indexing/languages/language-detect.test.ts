/**
 * Language detection and file triage: names, extensions, shebangs, generated and vendored
 * files, binary sniffing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectLanguage, isBinary, isLikelyGenerated, isVendoredPath } from "./language-detect.js";

describe("detectLanguage", () => {
  const byPath: Array<[string, string | undefined]> = [
    ["src/index.ts", "typescript"],
    ["src/types.d.ts", "typescript"],
    ["lib/a.mts", "typescript"],
    ["lib/a.cts", "typescript"],
    ["web/App.tsx", "tsx"],
    ["a.js", "javascript"],
    ["a.mjs", "javascript"],
    ["a.cjs", "javascript"],
    ["Button.jsx", "javascript"],
    ["main.py", "python"],
    ["stubs/os.pyi", "python"],
    ["cmd/main.go", "go"],
    ["go.mod", "gomod"],
    ["src/Main.java", "java"],
    ["src/lib.rs", "rust"],
    ["app/models/user.rb", "ruby"],
    ["Gemfile", "ruby"],
    ["Rakefile", "ruby"],
    ["mylib.gemspec", "ruby"],
    ["src/list.c", "c"],
    ["include/list.h", "c"],
    ["src/list.cc", "cpp"],
    ["src/list.cpp", "cpp"],
    ["src/list.cxx", "cpp"],
    ["include/list.hpp", "cpp"],
    ["Program.cs", "csharp"],
    ["index.php", "php"],
    ["Main.kt", "kotlin"],
    ["build.gradle.kts", "kotlin"],
    ["App.swift", "swift"],
    ["Main.scala", "scala"],
    ["deploy.sh", "shell"],
    ["env.bash", "shell"],
    ["prompt.zsh", "shell"],
    ["README.md", "markdown"],
    ["package.json", "json"],
    [".github/workflows/ci.yml", "yaml"],
    ["config.yaml", "yaml"],
    ["Cargo.toml", "toml"],
    ["index.html", "html"],
    ["style.css", "css"],
    ["schema.sql", "sql"],
    ["Dockerfile", "dockerfile"],
    ["docker/Dockerfile.dev", "dockerfile"],
    ["api.Dockerfile", "dockerfile"],
    ["Makefile", "makefile"],
    ["rules.mk", "makefile"],
    ["CMakeLists.txt", "cmake"],
    ["SRC/MAIN.PY", "python"],
    ["C:\\repo\\src\\main.go", "go"],
    ["LICENSE", undefined],
    ["notes.txt", undefined],
    [".gitignore", undefined],
    ["archive.tar.gz", undefined],
  ];
  for (const [file, expected] of byPath) {
    it(`${file} → ${String(expected)}`, () => assert.equal(detectLanguage(file), expected));
  }

  const byShebang: Array<[string, string | undefined]> = [
    ["#!/usr/bin/env python3", "python"],
    ["#!/usr/bin/python3.11 -u", "python"],
    ["#!/bin/bash", "shell"],
    ["#!/bin/sh -e", "shell"],
    ["#!/usr/bin/env -S bash -eu", "shell"],
    ["#!/usr/bin/env node", "javascript"],
    ["#!/usr/bin/env -S node --experimental-vm-modules", "javascript"],
    ["#!/usr/bin/env ruby", "ruby"],
    ["#!/usr/bin/php", "php"],
    ["#!/usr/bin/env FOO=1 perl", "perl"],
    ["#!/usr/bin/env -S deno run", "typescript"],
    ["#!/usr/bin/env unknown-tool", undefined],
    ["# not a shebang", undefined],
    ["", undefined],
  ];
  for (const [line, expected] of byShebang) {
    it(`bin/tool with ${JSON.stringify(line)} → ${String(expected)}`, () => {
      assert.equal(detectLanguage("bin/tool", line), expected);
    });
  }

  it("prefers the extension over the shebang", () => {
    assert.equal(detectLanguage("scripts/build.ts", "#!/usr/bin/env node"), "typescript");
    assert.equal(detectLanguage("run.sh", "#!/usr/bin/env python3\r"), "shell");
  });
});

describe("isVendoredPath", () => {
  const vendored = [
    "node_modules/react/index.js",
    "web/node_modules/x/y.ts",
    "vendor/github.com/pkg/errors/errors.go",
    "third_party/zlib/inflate.c",
    "dist/bundle.js",
    "packages/app/build/out.js",
    ".git/config",
    "bower_components/jquery/jquery.js",
    "ios/Pods/Alamofire/Source/AF.swift",
    "package-lock.json",
    "web/yarn.lock",
    "pnpm-lock.yaml",
    "Cargo.lock",
    "go.sum",
    "composer.lock",
    "Gemfile.lock",
    "poetry.lock",
    "flake.lock",
    "vendor\\autoload.php",
  ];
  for (const file of vendored) it(`${file} is vendored`, () => assert.equal(isVendoredPath(file), true));

  const own = ["src/index.ts", "src/build.ts", "src/vendors/list.ts", "docs/dist.md", "lockfile.ts", "src/distance.go"];
  for (const file of own) it(`${file} is not vendored`, () => assert.equal(isVendoredPath(file), false));
});

describe("isLikelyGenerated", () => {
  it("flags minified and generator file names", () => {
    assert.equal(isLikelyGenerated("static/app.min.js", "var a=1;"), true);
    assert.equal(isLikelyGenerated("static/site.min.css", "a{}"), true);
    assert.equal(isLikelyGenerated("api/user.pb.go", "package api"), true);
    assert.equal(isLikelyGenerated("api/user_pb2.py", "import x"), true);
  });

  it("flags very long first lines", () => {
    const minified = `${"a".repeat(3000)}\n${"b".repeat(2000)}\n`;
    assert.equal(isLikelyGenerated("static/app.js", minified), true);
    assert.equal(isLikelyGenerated("static/app.js", "x".repeat(1500)), true);
  });

  it("does not flag one long line among short ones", () => {
    const head = ["import a from 'a';", "x".repeat(1200), "const b = 1;", "const c = 2;", "export { a };"].join("\n");
    assert.equal(isLikelyGenerated("src/a.ts", head), false);
  });

  it("flags generator headers", () => {
    assert.equal(isLikelyGenerated("api/zz.go", "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage api\n"), true);
    assert.equal(isLikelyGenerated("x.go", "// Copyright 2024\n\n// Code generated by stringer -type=Kind; DO NOT EDIT.\n"), true);
    assert.equal(isLikelyGenerated("x.py", "# Code generated by tool. DO NOT EDIT.\n"), true);
    assert.equal(isLikelyGenerated("schema.ts", "/**\n * @generated SignedSource<<abc>>\n */\n"), true);
    assert.equal(isLikelyGenerated("Form.Designer.cs", "//------\n// <auto-generated>\n"), true);
  });

  it("leaves ordinary source alone", () => {
    assert.equal(isLikelyGenerated("src/a.ts", "import x from 'y';\n\nexport const a = 1;\n"), false);
    assert.equal(isLikelyGenerated("src/a.ts", ""), false);
    const late = `${"// line\n".repeat(6)}// @generated\n`;
    assert.equal(isLikelyGenerated("src/a.ts", late), false);
  });
});

describe("isBinary", () => {
  it("treats text as text", () => {
    assert.equal(isBinary(Buffer.from("export const a = 'héllo wörld ✓';\n")), false);
    assert.equal(isBinary(Buffer.alloc(0)), false);
  });

  it("finds a NUL byte in the first 8000 bytes only", () => {
    assert.equal(isBinary(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00])), true);
    const late = Buffer.concat([Buffer.alloc(9000, 0x61), Buffer.from([0])]);
    assert.equal(isBinary(late), false);
  });

  it("flags mostly invalid UTF-8", () => {
    const noise = Buffer.from(Array.from({ length: 400 }, (_, i) => 0x80 + (i % 64)));
    assert.equal(isBinary(noise), true);
  });

  it("tolerates a few Latin-1 bytes and a character cut at the 8000-byte boundary", () => {
    assert.equal(isBinary(Buffer.concat([Buffer.from("caf"), Buffer.from([0xe9]), Buffer.from(" au lait ".repeat(10))])), false);
    const cut = Buffer.concat([Buffer.alloc(7999, 0x61), Buffer.from("✓")]);
    assert.equal(isBinary(cut), false);
  });
});
