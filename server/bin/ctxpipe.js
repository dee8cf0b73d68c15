#!/usr/bin/env node
// The `ctxpipe` command. Registers tsx so the TypeScript sources run as they are (no build
// step for the server), then hands over to the CLI. See server/src/cli.ts.
// Node.js 22 LTS is the floor: say so in one line instead of failing later in a dependency.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`ctxpipe: Node.js 22.12 or newer is required (this is ${process.version}); install Node 22 or 24 LTS.\n`);
  process.exit(1);
}
const { register } = await import("tsx/esm/api");

register();
await import("../src/cli.ts");
