#!/usr/bin/env node
// The `ctxpipe` command. Runs the server's code bundled into one module (bundle.js: built by
// esbuild on the first start after a change, then reused), or, when the bundle cannot be had
// (a read-only tree, CTXPIPE_BUNDLE=0), the sources as they are through the TypeScript hooks
// (ts-hooks.js). Either way there is no build step to remember. See server/src/cli.ts.
// Node.js 22.15 is the floor (module.registerHooks): say so in one line instead of failing later.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(`ctxpipe: Node.js 22.15 or newer is required (this is ${process.version}); install Node 22 or 24 LTS.\n`);
  process.exit(1);
}
const { bundledCli } = await import("./bundle.js");
const bundle = await bundledCli();
if (bundle) {
  const { enableCompileCache, setSourceMapsSupport } = await import("node:module");
  enableCompileCache(new URL("../../node_modules/.cache/ctxpipe/v8", import.meta.url).pathname);
  // Stack traces name the .ts lines (the bundle's map covers our sources and the dependencies').
  setSourceMapsSupport(true, { nodeModules: true, generatedCode: false });
  await import(bundle);
} else {
  await import("./ts-hooks.js");
  await import("../src/cli.ts");
}
