#!/usr/bin/env node
// The `ctxpipe` command. Registers the TypeScript hooks (ts-hooks.js: esbuild in the loading
// thread, with a compile cache) so the sources run as they are, with no build step for the
// server, then hands over to the CLI. See server/src/cli.ts.
// Node.js 22.15 is the floor (module.registerHooks): say so in one line instead of failing later.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(`ctxpipe: Node.js 22.15 or newer is required (this is ${process.version}); install Node 22 or 24 LTS.\n`);
  process.exit(1);
}
await import("./ts-hooks.js");
await import("../src/cli.ts");
