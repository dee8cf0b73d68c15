/**
 * The benchmark corpus: a fixed list of pinned npm package tarballs (real JavaScript,
 * TypeScript, C/C++ and Python sources), fetched with `npm pack`, extracted under
 * bench-corpus/src/<name> and committed (fixed author and date) into the git repository
 * bench-corpus/repo as packages/<name>/..., which the real git-based pipeline indexes.
 * The large corpus (`--corpus large`, corpus-large.ts) lives the same way under
 * bench-corpus/large/, sharing the tarballs folder.
 * Idempotent: tarballs, extractions and the repository are reused when already there.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { isBinary, isLikelyGenerated, isVendoredPath } from "../../server/src/indexing/languages/language-detect.js";
import { LARGE_EXTRA_PACKAGES } from "./corpus-large.js";

const execFileAsync = promisify(execFile);

/** One pinned package. */
export interface CorpusPackage {
  name: string;
  version: string;
  /** Why it is in the corpus (languages, shape). */
  note: string;
  /** Its folder under packages/ (and src/); the package name when not given. */
  dir?: string;
}

/** A package's folder under packages/ (and src/). */
export function packageDir(p: CorpusPackage): string {
  return p.dir ?? p.name;
}

/**
 * The corpus, in a fixed order. Chosen so that most of the text survives the indexer's
 * vendored/generated/size rules (language-detect.ts, CTXPIPE_MAX_FILE_BYTES = 1 MiB).
 */
export const PACKAGES: readonly CorpusPackage[] = [
  { name: "aws-sdk", version: "2.1692.0", note: "JS + large .d.ts clients, JSON API models" },
  { name: "@elastic/eui", version: "97.3.0", note: "React components (JS, .d.ts), 9k files" },
  { name: "devextreme", version: "24.1.6", note: "JS widgets (esm, cjs), .d.ts" },
  { name: "highcharts", version: "11.4.8", note: "JS (es-modules, .src.js), .d.ts" },
  { name: "monaco-editor", version: "0.52.0", note: "VS Code editor, esm JS" },
  { name: "rocksdb", version: "5.2.1", note: "C++ (RocksDB, LevelDB, snappy sources)" },
  { name: "@mui/icons-material", version: "6.1.6", note: "32k tiny JS/.d.ts files" },
  { name: "@cesium/engine", version: "12.0.0", note: "JS sources, GLSL shaders" },
  { name: "@angular/core", version: "18.2.10", note: "fesm JS, .d.ts" },
  { name: "@fluentui/react", version: "8.121.0", note: "JS (lib, lib-commonjs, lib-amd), .d.ts" },
  { name: "@angular/material", version: "18.2.10", note: "JS, .d.ts, SCSS" },
  { name: "date-fns", version: "4.1.0", note: "5k small JS/.d.ts files" },
  { name: "@aws-sdk/client-ec2", version: "3.687.0", note: "generated-style TS client (dist-es, dist-types)" },
  { name: "three", version: "0.170.0", note: "JS sources and examples" },
  { name: "typeorm", version: "0.3.20", note: "JS, .d.ts, TS sources" },
  { name: "@mui/material", version: "6.1.6", note: "React components" },
  { name: "effect", version: "3.10.0", note: "TypeScript sources (src/)" },
  { name: "playwright-core", version: "1.48.2", note: "JS" },
  { name: "@angular/compiler", version: "18.2.10", note: "fesm JS, .d.ts" },
  { name: "webpack", version: "5.96.1", note: "JS, .d.ts" },
  { name: "@material-ui/core", version: "4.12.4", note: "React components (v4)" },
  { name: "eslint", version: "9.14.0", note: "JS" },
  { name: "react-dom", version: "18.3.1", note: "JS (cjs, umd)" },
  { name: "moment", version: "2.30.1", note: "JS, locales" },
  { name: "typescript", version: "5.6.3", note: "lib .d.ts (the compiler bundles are over 1 MiB)" },
  { name: "node-sass", version: "4.14.1", note: "C++ (libsass)" },
  { name: "node-gyp", version: "10.2.0", note: "Python (gyp)" },
  { name: "@babel/types", version: "7.26.0", note: "JS, .d.ts" },
  { name: "@babel/parser", version: "7.26.2", note: "JS" },
  { name: "@babel/traverse", version: "7.25.9", note: "JS" },
  { name: "@babel/generator", version: "7.26.2", note: "JS" },
  { name: "@babel/core", version: "7.26.0", note: "JS" },
  { name: "lodash", version: "4.17.21", note: "JS, 1k small files" },
  { name: "leveldown", version: "6.1.1", note: "C++ (LevelDB, snappy)" },
  { name: "core-js", version: "3.39.0", note: "3.5k small JS files" },
  { name: "rxjs", version: "7.8.1", note: "TypeScript sources (src/)" },
];

/** The large corpus (`--corpus large`): the small corpus' packages and corpus-large.ts' (about ten times the indexed source). */
export const LARGE_PACKAGES: readonly CorpusPackage[] = [...PACKAGES, ...LARGE_EXTRA_PACKAGES];

/** The corpora a full run can use (`--corpus <name>`). */
export const CORPUS_NAMES = ["small", "large"] as const;
/** One of CORPUS_NAMES. */
export type CorpusName = (typeof CORPUS_NAMES)[number];

/** Large corpus text must reach this many bytes (binary files not counted). */
export const LARGE_MIN_TEXT_BYTES = 3 * 1000 * 1000 * 1000;

/** The checkout's root (the folder holding package.json and node_modules). */
const CHECKOUT = path.resolve(import.meta.dirname, "../..");

/**
 * The smoke corpus (`--smoke` of every benchmark): packages this checkout installed, at the
 * versions package-lock.json pins, copied from node_modules instead of fetched with `npm pack`,
 * so that a smoke run needs no registry and takes seconds. Most of their files are kept by the
 * indexer (sources under src/ and lib/, not dist/).
 */
export const SMOKE_PACKAGES: readonly CorpusPackage[] = ["react", "pino", "pg"].map((name) => ({
  name,
  version: (JSON.parse(readFileSync(path.join(CHECKOUT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version,
  note: "installed by npm ci (smoke corpus)",
}));

/**
 * The folder a benchmark keeps its corpus and results in: bench-corpus/ for a full run
 * (bench-corpus/large/ for the large corpus); for `--smoke` a new temporary folder, removed
 * when the process exits, so smoke runs (the test suite starts them side by side) never share one.
 */
export async function corpusRoot(smoke: boolean, corpus: CorpusName = "small"): Promise<string> {
  if (!smoke) return corpus === "large" ? path.join(CHECKOUT, "bench-corpus", "large") : path.join(CHECKOUT, "bench-corpus");
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "ctxpipe-bench-smoke-"));
  process.on("exit", () => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** `prepareCorpus`'s options for the smoke corpus. */
export const SMOKE_CORPUS = { packages: SMOKE_PACKAGES, minTextBytes: 0, installed: true } as const;

/** `prepareCorpus`'s options for the large corpus: its packages, and the small corpus' tarballs folder (the versions are pinned, so the files are the same). */
export const LARGE_CORPUS = {
  packages: LARGE_PACKAGES,
  minTextBytes: LARGE_MIN_TEXT_BYTES,
  tarballs: path.join(CHECKOUT, "bench-corpus", "tarballs"),
} as const;

/** Corpus text must reach this many bytes (binary files not counted). */
export const MIN_TEXT_BYTES = 300 * 1000 * 1000;

/** Files and folders of the corpus under the root folder (bench-corpus/). */
export interface CorpusPaths {
  root: string;
  tarballs: string;
  src: string;
  state: string;
  repo: string;
}

/** What is in the corpus. */
export interface CorpusStats {
  files: number;
  bytes: number;
  textFiles: number;
  textBytes: number;
  /** What the indexer's rules should keep (estimate; the real number comes from the index). */
  expectedIndexable: { files: number; bytes: number };
  perPackage: { name: string; version: string; files: number; bytes: number; textBytes: number; expectedIndexableBytes: number }[];
  commit: string;
  /** Wall time of each step of this preparation (a step already done takes about nothing). */
  prepareSeconds: { fetch: number; measure: number; repo: number };
}

/** The layout under `root`. */
export function corpusPaths(root: string, tarballs = path.join(root, "tarballs")): CorpusPaths {
  return { root, tarballs, src: path.join(root, "src"), state: path.join(root, "state"), repo: path.join(root, "repo") };
}

/** `@babel/types@7.26.0` → `babel-types-7.26.0.tgz`, as `npm pack` names it. */
function tarballName(p: CorpusPackage): string {
  return `${p.name.replace(/^@/, "").replace("/", "-")}-${p.version}.tgz`;
}

const exists = (file: string) =>
  fs.stat(file).then(
    () => true,
    () => false,
  );

async function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const { stdout } = await execFileAsync(cmd, args, { ...options, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** Runs `npm pack` for every tarball that is not there yet, four at a time; names every package that failed. */
async function downloadTarballs(paths: CorpusPaths, packages: readonly CorpusPackage[], log: (line: string) => void): Promise<void> {
  const missing: CorpusPackage[] = [];
  for (const p of packages) if (!(await exists(path.join(paths.tarballs, tarballName(p))))) missing.push(p);
  const failed: string[] = [];
  const worker = async () => {
    for (let p = missing.shift(); p; p = missing.shift()) {
      log(`npm pack ${p.name}@${p.version}`);
      await run("npm", ["pack", `${p.name}@${p.version}`, "--pack-destination", paths.tarballs, "--silent"]).catch(() => "");
      if (!(await exists(path.join(paths.tarballs, tarballName(p))))) failed.push(`${p.name}@${p.version}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (failed.length > 0) throw new Error(`npm pack failed for ${failed.join(", ")}`);
}

/** Downloads and extracts every package that is not there yet (`installed`: copies it from node_modules). */
async function fetchPackages(paths: CorpusPaths, packages: readonly CorpusPackage[], log: (line: string) => void, installed = false): Promise<void> {
  await fs.mkdir(paths.tarballs, { recursive: true });
  await fs.mkdir(paths.state, { recursive: true });
  if (!installed) await downloadTarballs(paths, packages, log);
  for (const p of packages) {
    if (installed) {
      const from = path.join(CHECKOUT, "node_modules", p.name);
      // The package's own files, not the dependencies npm nested inside it.
      const own = (file: string) => !path.relative(from, file).split(path.sep).includes("node_modules");
      await fs.cp(from, path.join(paths.src, packageDir(p)), { recursive: true, filter: own });
      continue;
    }
    const tarball = path.join(paths.tarballs, tarballName(p));
    const marker = path.join(paths.state, `${tarballName(p)}.extracted`);
    const dest = path.join(paths.src, packageDir(p));
    if ((await exists(marker)) && (await exists(dest))) continue;
    log(`extract ${p.name}@${p.version}`);
    await fs.rm(dest, { recursive: true, force: true });
    await fs.mkdir(dest, { recursive: true });
    // npm tarballs have one top folder (usually package/).
    await run("tar", ["-xzf", tarball, "-C", dest, "--strip-components=1", "--no-same-owner"]);
    await run("chmod", ["-R", "u+rwX,go+rX", dest]);
    await fs.writeFile(marker, `${p.name}@${p.version}\n`);
  }
}

/** Walks the extracted packages: sizes, text bytes and what the indexer should keep. */
async function measure(paths: CorpusPaths, packages: readonly CorpusPackage[]): Promise<Omit<CorpusStats, "commit" | "prepareSeconds">> {
  const stats: Omit<CorpusStats, "commit" | "prepareSeconds"> = {
    files: 0,
    bytes: 0,
    textFiles: 0,
    textBytes: 0,
    expectedIndexable: { files: 0, bytes: 0 },
    perPackage: [],
  };
  for (const p of packages) {
    const dir = path.join(paths.src, packageDir(p));
    const row = { name: p.name, version: p.version, files: 0, bytes: 0, textBytes: 0, expectedIndexableBytes: 0 };
    for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const full = path.join(e.parentPath, e.name);
      const rel = `packages/${packageDir(p)}/${path.relative(dir, full)}`;
      const content = await fs.readFile(full);
      row.files++;
      row.bytes += content.length;
      if (isBinary(content)) continue;
      stats.textFiles++;
      row.textBytes += content.length;
      if (isVendoredPath(rel) || content.length > 1024 * 1024) continue;
      if (isLikelyGenerated(rel, content.toString("utf8", 0, Math.min(content.length, 16384)).slice(0, 4096))) continue;
      stats.expectedIndexable.files++;
      row.expectedIndexableBytes += content.length;
    }
    stats.files += row.files;
    stats.bytes += row.bytes;
    stats.textBytes += row.textBytes;
    stats.expectedIndexable.bytes += row.expectedIndexableBytes;
    stats.perPackage.push(row);
  }
  return stats;
}

/** Environment of git commands that write commits: a fixed author and date. */
export function gitCommitEnv(date = "2026-01-01T00:00:00Z"): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: "ctxpipe bench",
    GIT_AUTHOR_EMAIL: "bench@example.invalid",
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: "ctxpipe bench",
    GIT_COMMITTER_EMAIL: "bench@example.invalid",
    GIT_COMMITTER_DATE: date,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
}

/** The tag of the corpus commit; runs reset the repository to it. */
export const BASE_TAG = "bench-base";

/**
 * Builds (or resets) bench-corpus/repo: packages/<name>/ hard-linked from src/, one commit.
 * A repository built from the same package list is reset to its base commit instead.
 */
async function buildRepo(paths: CorpusPaths, packages: readonly CorpusPackage[], log: (line: string) => void): Promise<string> {
  const manifest = createHash("sha256")
    .update(JSON.stringify({ v: 1, packages }))
    .digest("hex");
  const manifestFile = path.join(paths.state, "repo.manifest");
  const env = gitCommitEnv();
  const git = (...args: string[]) => run("git", args, { cwd: paths.repo, env });
  if ((await exists(path.join(paths.repo, ".git"))) && (await fs.readFile(manifestFile, "utf8").catch(() => "")) === manifest) {
    const base = (await git("rev-parse", "--verify", "-q", `refs/tags/${BASE_TAG}^{commit}`).catch(() => "")).trim();
    if (base) {
      // Undo a previous run's incremental commit (git rewrites files, so src/ stays intact).
      await git("checkout", "-q", "-B", "main", base);
      await git("reset", "-q", "--hard", base);
      await git("clean", "-qfdx");
      return base;
    }
  }
  log("building the git repository (one commit; a few minutes, half an hour for the large corpus)");
  await fs.rm(paths.repo, { recursive: true, force: true });
  await fs.mkdir(paths.repo, { recursive: true });
  await git("init", "-q", "-b", "main");
  // Hard links: no second copy of the corpus. Git replaces files on checkout, never edits them.
  // Package by package, so that src/ may hold folders of packages no longer listed.
  for (const p of packages) {
    const dest = path.join(paths.repo, "packages", packageDir(p));
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await run("cp", ["-al", path.join(paths.src, packageDir(p)), dest]);
  }
  log("git add and commit");
  await git("add", "--all", "--force", ".");
  // No background `gc --auto` after the commit: it would pack the same objects beside the repack below.
  await git("-c", "gc.auto=0", "commit", "-q", "--no-verify", "-m", `bench corpus: ${packages.length} npm packages`);
  await git("tag", BASE_TAG);
  // A served repository is packed; an unpacked one would make every clone compress it again.
  log("packing the repository");
  await git("repack", "-a", "-d", "-q");
  await git("prune");
  await fs.writeFile(manifestFile, manifest);
  return (await git("rev-parse", "HEAD")).trim();
}

/**
 * Makes sure the corpus is there (download, extract, repository) and returns its statistics.
 * `options` select another corpus (SMOKE_CORPUS for --smoke, LARGE_CORPUS for --corpus large).
 * @throws when the corpus text is under `minTextBytes` (default MIN_TEXT_BYTES).
 */
export async function prepareCorpus(
  root: string,
  log: (line: string) => void,
  options: { packages?: readonly CorpusPackage[]; minTextBytes?: number; tarballs?: string; installed?: boolean } = {},
): Promise<{ paths: CorpusPaths; stats: CorpusStats }> {
  const paths = corpusPaths(root, options.tarballs);
  const packages = options.packages ?? PACKAGES;
  const minTextBytes = options.minTextBytes ?? MIN_TEXT_BYTES;
  const t0 = Date.now();
  await fetchPackages(paths, packages, log, options.installed);
  const t1 = Date.now();
  const measured = await measure(paths, packages);
  if (measured.textBytes < minTextBytes) {
    throw new Error(`corpus text is ${measured.textBytes} bytes, under ${minTextBytes}: add packages to the corpus' list`);
  }
  const t2 = Date.now();
  const commit = await buildRepo(paths, packages, log);
  const prepareSeconds = { fetch: (t1 - t0) / 1000, measure: (t2 - t1) / 1000, repo: (Date.now() - t2) / 1000 };
  return { paths, stats: { ...measured, commit, prepareSeconds } };
}
