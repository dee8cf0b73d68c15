/**
 * Language detection and file triage for the indexer. Pure functions, no I/O.
 *
 * - `detectLanguage`: a stable lower-case language id from the file name (exact names such as
 *   `Dockerfile`, then the extension), falling back to the shebang of the first line.
 * - `isLikelyGenerated`: minified bundles and files that say they are generated.
 * - `isVendoredPath`: dependency, build-output and lock files that are not the repository's own code.
 * - `isBinary`: NUL bytes or mostly invalid UTF-8 in the first 8000 bytes.
 */
import path from "node:path";

/** Exact file names (compared as written) that decide the language on their own. */
const FILE_NAMES: ReadonlyMap<string, string> = new Map([
  ["Dockerfile", "dockerfile"],
  ["dockerfile", "dockerfile"],
  ["Containerfile", "dockerfile"],
  ["Makefile", "makefile"],
  ["makefile", "makefile"],
  ["GNUmakefile", "makefile"],
  ["Gemfile", "ruby"],
  ["Rakefile", "ruby"],
  ["Podfile", "ruby"],
  ["Vagrantfile", "ruby"],
  ["Brewfile", "ruby"],
  ["CMakeLists.txt", "cmake"],
  ["go.mod", "gomod"],
  ["Jenkinsfile", "groovy"],
  [".bashrc", "shell"],
  [".bash_profile", "shell"],
  [".zshrc", "shell"],
  [".profile", "shell"],
]);

/** Extensions (lower-case, without the dot) to language ids. `.h` is taken as C. */
const EXTENSIONS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    typescript: ["ts", "mts", "cts"],
    tsx: ["tsx"],
    javascript: ["js", "mjs", "cjs", "jsx"],
    python: ["py", "pyi", "pyw"],
    go: ["go"],
    java: ["java"],
    rust: ["rs"],
    ruby: ["rb", "rake", "gemspec", "ru"],
    c: ["c", "h"],
    cpp: ["cc", "cpp", "cxx", "c++", "hpp", "hh", "hxx", "h++", "ipp", "tpp"],
    csharp: ["cs", "csx"],
    php: ["php", "phtml"],
    kotlin: ["kt", "kts"],
    swift: ["swift"],
    scala: ["scala", "sc"],
    shell: ["sh", "bash", "zsh", "ksh"],
    markdown: ["md", "markdown", "mdx"],
    json: ["json", "jsonc", "json5"],
    yaml: ["yml", "yaml"],
    toml: ["toml"],
    html: ["html", "htm"],
    css: ["css"],
    scss: ["scss", "sass"],
    less: ["less"],
    sql: ["sql"],
    dockerfile: ["dockerfile"],
    makefile: ["mk", "mak"],
    cmake: ["cmake"],
    vue: ["vue"],
    svelte: ["svelte"],
    lua: ["lua"],
    perl: ["pl", "pm"],
    r: ["r"],
    dart: ["dart"],
    elixir: ["ex", "exs"],
    erlang: ["erl", "hrl"],
    haskell: ["hs"],
    ocaml: ["ml", "mli"],
    clojure: ["clj", "cljs", "cljc", "edn"],
    groovy: ["groovy", "gradle"],
    objc: ["m"],
    objcpp: ["mm"],
    zig: ["zig"],
    xml: ["xml", "xsd", "xsl"],
    protobuf: ["proto"],
    graphql: ["graphql", "gql"],
    hcl: ["tf", "tfvars", "hcl"],
    powershell: ["ps1", "psm1"],
    batch: ["bat", "cmd"],
    solidity: ["sol"],
    elm: ["elm"],
  }).flatMap(([language, exts]) => exts.map((ext) => [ext, language] as const)),
);

/** Shebang interpreters (version suffixes removed) to language ids. */
const INTERPRETERS: ReadonlyMap<string, string> = new Map([
  ["python", "python"],
  ["node", "javascript"],
  ["nodejs", "javascript"],
  ["bun", "javascript"],
  ["deno", "typescript"],
  ["ts-node", "typescript"],
  ["tsx", "typescript"],
  ["sh", "shell"],
  ["bash", "shell"],
  ["zsh", "shell"],
  ["dash", "shell"],
  ["ksh", "shell"],
  ["ruby", "ruby"],
  ["php", "php"],
  ["perl", "perl"],
  ["lua", "lua"],
]);

/**
 * Returns the language id of a file (`"typescript"`, `"python"`, `"cpp"`, ...), or undefined
 * when neither its name, its extension nor the shebang in `firstLine` tells.
 */
export function detectLanguage(filePath: string, firstLine?: string): string | undefined {
  const base = path.posix.basename(filePath.replaceAll("\\", "/"));
  const byName = FILE_NAMES.get(base);
  if (byName) return byName;
  if (base.startsWith("Dockerfile.") || base.endsWith(".Dockerfile")) return "dockerfile";
  const dot = base.lastIndexOf(".");
  const byExtension = dot > 0 ? EXTENSIONS.get(base.slice(dot + 1).toLowerCase()) : undefined;
  if (byExtension) return byExtension;
  return firstLine === undefined ? undefined : languageFromShebang(firstLine);
}

/** `#!/usr/bin/env -S python3 -u` → "python"; `#!/bin/bash` → "shell". */
function languageFromShebang(firstLine: string): string | undefined {
  const line = firstLine.trim();
  if (!line.startsWith("#!")) return undefined;
  const words = line.slice(2).trim().split(/\s+/);
  let program = path.posix.basename(words[0] ?? "");
  if (program === "env") program = words.slice(1).find((word) => !word.startsWith("-") && !word.includes("=")) ?? "";
  return INTERPRETERS.get(program.replace(/[\d.]+$/, ""));
}

/** Directory names whose contents are dependencies, build output or VCS data. */
const VENDORED_DIRS = new Set(["node_modules", "vendor", "third_party", "dist", "build", ".git", "bower_components", "Pods"]);

/** Lock files (in addition to any `*.lock`). */
const LOCK_FILES = new Set([
  "package-lock.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "Cargo.lock",
  "go.sum",
  "composer.lock",
  "Gemfile.lock",
  "poetry.lock",
  "npm-shrinkwrap.json",
  "bun.lockb",
]);

/**
 * True for a path (relative to the repository root, `/` or `\` separated) inside a vendored or
 * build-output directory (`node_modules/`, `vendor/`, `third_party/`, `dist/`, `build/`, `.git/`,
 * `bower_components/`, `Pods/`) or naming a lock file.
 */
export function isVendoredPath(filePath: string): boolean {
  const segments = filePath
    .replaceAll("\\", "/")
    .split("/")
    .filter((s) => s !== "" && s !== ".");
  const base = segments.pop() ?? "";
  if (segments.some((dir) => VENDORED_DIRS.has(dir))) return true;
  return LOCK_FILES.has(base) || base.endsWith(".lock");
}

/** File names that code generators produce. */
const GENERATED_NAME = /(\.min\.(js|mjs|cjs|css)|\.pb\.(go|cc|h)|_pb2(_grpc)?\.py|\.generated\.\w+|\.g\.dart)$/i;
/** Go's standard marker (https://go.dev/s/generatedcode) and the same sentence in other comment styles. */
const CODE_GENERATED = /^\s*(\/\/|#|\/?\*|--|;)\s*Code generated .*DO NOT EDIT/;
const AUTO_GENERATED = /@generated\b|<auto-generated/;
/** Average length over the first lines above which a file is taken as minified. */
const MINIFIED_LINE_LENGTH = 1000;

/**
 * True when a file looks machine-made: a minified or protobuf name, the first lines of `head`
 * (the start of the file) average more than 1000 characters, a `Code generated ... DO NOT EDIT`
 * comment in the first 10 lines, or `@generated` / `<auto-generated` in the first 5.
 */
export function isLikelyGenerated(filePath: string, head: string): boolean {
  if (GENERATED_NAME.test(path.posix.basename(filePath.replaceAll("\\", "/")))) return true;
  const lines = head.split("\n", 10);
  const first = lines.slice(0, 5);
  if (first.length > 0 && first.reduce((sum, line) => sum + line.length, 0) / first.length > MINIFIED_LINE_LENGTH) {
    return true;
  }
  return lines.some((line) => CODE_GENERATED.test(line)) || first.some((line) => AUTO_GENERATED.test(line));
}

/** Bytes inspected by `isBinary`, like git's heuristic. */
const BINARY_SNIFF_BYTES = 8000;
/** Share of replacement characters above which the bytes are not taken as UTF-8 text. */
const MAX_INVALID_RATIO = 0.1;

/**
 * True when the content is probably not text: a NUL byte in the first 8000 bytes, or more than
 * 10% of the decoded characters there are invalid UTF-8. A multi-byte character cut at the
 * 8000-byte boundary does not count.
 */
export function isBinary(buffer: Uint8Array): boolean {
  const head = buffer.subarray(0, BINARY_SNIFF_BYTES);
  if (head.includes(0)) return true;
  if (head.length === 0) return false;
  const text = new TextDecoder("utf-8").decode(head, { stream: head.length < buffer.length });
  let invalid = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) invalid++;
  return invalid / Math.max(text.length, 1) > MAX_INVALID_RATIO;
}

/** Names people type for a language that are neither its id nor one of its extensions. */
const LANGUAGE_ALIASES: ReadonlyMap<string, string> = new Map([
  ["golang", "go"],
  ["c#", "csharp"],
  ["cplusplus", "cpp"],
  ["node", "javascript"],
  ["nodejs", "javascript"],
  ["objective-c", "objc"],
  ["bash", "shell"],
  ["sh", "shell"],
  ["docker", "dockerfile"],
  ["make", "makefile"],
  ["terraform", "hcl"],
  ["proto", "protobuf"],
]);

/** Every language id the indexer assigns. */
export const LANGUAGE_IDS: ReadonlySet<string> = new Set([...EXTENSIONS.values(), ...FILE_NAMES.values(), ...INTERPRETERS.values()]);

/**
 * The language id a user means by `name`: an id (`typescript`), an extension (`ts`, `py`,
 * `rs`) or a common alias (`golang`, `c#`); undefined when none fits.
 */
export function languageFromName(name: string): string | undefined {
  const n = name.trim().toLowerCase().replace(/^\./, "");
  if (LANGUAGE_IDS.has(n)) return n;
  return LANGUAGE_ALIASES.get(n) ?? EXTENSIONS.get(n);
}

/**
 * The file names and extensions (lower case, without the dot) that `detectLanguage` maps to
 * `language` without reading the file (the shebang is not one of them; `Dockerfile.*` is not
 * listed). The code-search benchmark turns them into a path regex for its baselines.
 */
export function languageFileNames(language: string): { names: string[]; extensions: string[] } {
  return {
    names: [...FILE_NAMES].filter(([, id]) => id === language).map(([name]) => name),
    extensions: [...EXTENSIONS].filter(([, id]) => id === language).map(([ext]) => ext),
  };
}

/** Up to three known names close to `name` (edit distance 2 or less, or a shared prefix), for hints. */
export function closeNames(name: string, known: Iterable<string>): string[] {
  const n = name.toLowerCase();
  const scored: [string, number][] = [];
  for (const k of known) {
    const d = editDistance(n, k.toLowerCase());
    if (d <= 2 || (n.length >= 2 && k.toLowerCase().startsWith(n))) scored.push([k, d]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([k]) => k);
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
