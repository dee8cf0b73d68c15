/**
 * The running version, read once from the server package manifest.
 */
import { readFileSync } from "node:fs";

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** Semantic version of this build, as shown by /.status and `ctxpipe --version`. */
export const VERSION: string = manifest.version;
