#!/usr/bin/env node
// The `ctxpipe` command. Registers tsx so the TypeScript sources run as they are (no build
// step for the server), then hands over to the CLI. See server/src/cli.ts.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
