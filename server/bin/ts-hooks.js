// Runs the TypeScript sources as they are, in the loading thread: `node --import
// ./server/bin/ts-hooks.js file.ts`, or imported first by bin/ctxpipe.js. It registers two
// synchronous module hooks (node:module registerHooks, Node 22.15+):
// - resolve: a relative `./x.js` imported from a .ts/.tsx file is `./x.ts` (or `.tsx`) when that
//   exists, and an extensionless one (the web app's style) tries `.ts`, `.tsx`, `/index.ts`;
// - load: a .ts/.tsx/.mts file outside node_modules is compiled by esbuild's transformSync (types
//   stripped, TSX to React.createElement as tsx did) with an inline source map, so stack traces
//   name .ts lines.
// Compiled text is kept in a content-addressed cache (node_modules/.cache/ctxpipe/ts, keyed by
// path, source, esbuild version and options), so esbuild only runs for a changed file; V8's
// compile cache (module.enableCompileCache, beside it) keeps the parsed code of every module,
// dependencies included. Both caches are best effort: an unwritable directory only costs speed.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire, enableCompileCache, registerHooks, setSourceMapsSupport } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Bumped when the compiled output changes for a reason the cache key does not see. */
const CACHE_FORMAT = "1";
const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));
const CACHE_DIR = path.join(REPO_DIR, "node_modules", ".cache", "ctxpipe");
const TS_CACHE_DIR = path.join(CACHE_DIR, "ts");
const TS_FILE = /\.(?:ts|tsx|mts)$/;
const JS_SPECIFIER = /\.(?:js|jsx|mjs)$/;

const require = createRequire(import.meta.url);
/** esbuild, loaded on the first cache miss only: a warm run never starts its service. */
let esbuild;
const esbuildVersion = JSON.parse(fs.readFileSync(require.resolve("esbuild/package.json"), "utf8")).version;

function isFile(file) {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The TypeScript file a relative specifier from a TypeScript module means, if it is one. */
function typeScriptTarget(specifier, parentURL) {
  const file = fileURLToPath(new URL(specifier, parentURL));
  if (JS_SPECIFIER.test(file)) {
    const base = file.replace(JS_SPECIFIER, "");
    const candidates = file.endsWith(".mjs") ? [`${base}.mts`] : [`${base}.ts`, `${base}.tsx`];
    return candidates.find(isFile);
  }
  if (isFile(file)) return undefined;
  return [`${file}.ts`, `${file}.tsx`, path.join(file, "index.ts"), path.join(file, "index.tsx")].find(isFile);
}

function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent?.startsWith("file:") && (specifier.startsWith("./") || specifier.startsWith("../")) && TS_FILE.test(new URL(parent).pathname)) {
    const target = typeScriptTarget(specifier, parent);
    if (target) return { url: pathToFileURL(target).href, format: "module", shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

/** JavaScript for one TypeScript file, from the cache or compiled now (and then cached). */
function compile(filename, source) {
  const loader = filename.endsWith(".tsx") ? "tsx" : "ts";
  const key = createHash("sha256").update(`${CACHE_FORMAT}\0${esbuildVersion}\0${filename}\0`).update(source).digest("hex");
  const cached = path.join(TS_CACHE_DIR, key.slice(0, 2), `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    // not compiled yet
  }
  esbuild ??= require("esbuild");
  const { code } = esbuild.transformSync(source, {
    loader,
    format: "esm",
    target: "node22",
    sourcemap: "inline",
    sourcesContent: false,
    sourcefile: filename,
  });
  try {
    // Written whole under a unique name, then renamed: a parallel process never reads half a file.
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    const temporary = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, cached);
  } catch {
    // a read-only tree: compile again next time
  }
  return code;
}

function load(url, context, nextLoad) {
  if (url.startsWith("file:") && !url.includes("/node_modules/")) {
    const filename = fileURLToPath(url);
    if (TS_FILE.test(filename)) return { format: "module", source: compile(filename, fs.readFileSync(filename, "utf8")), shortCircuit: true };
  }
  return nextLoad(url, context);
}

enableCompileCache(path.join(CACHE_DIR, "v8"));
// Source maps for our sources only: dependencies' own maps would be read from disk at each load.
setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
registerHooks({ resolve, load });
