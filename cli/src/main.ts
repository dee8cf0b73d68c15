#!/usr/bin/env node
/**
 * ctxpipe-connect: connects a developer's coding agents to a ctxpipe instance.
 *   init     sign in, pick an organisation, write the agents' MCP configuration
 *   doctor   check the instance, OAuth discovery, the MCP endpoint, a key and the configs
 * Results go to stdout (JSON with --json), messages to stderr. Exit codes: 0 done, 1 failed,
 * 2 bad usage.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { runDoctor } from "./doctor.js";
import { type InitResult, runInit } from "./init.js";
import { createTerminal } from "./terminal.js";

const USAGE = `Usage: ctxpipe-connect <command> [flags]

Commands:
  init     Sign in to a ctxpipe instance and write your agents' MCP configuration
  doctor   Check that the instance, OAuth discovery, the MCP endpoint and your configs work

Flags (init):
  --url <origin>        The instance's public origin (or CTXPIPE_URL)
  --org <slug>          The organisation (asked when you are in several)
  --agents <list>       cursor, claude-code, vscode, codex, opencode (comma-separated), or all
  --scope <scope>       project (default) or user; Codex is always user
  --auth <method>       oauth (default) or api-key (read from CTXPIPE_API_KEY, never written)
  --no-sign-in          With --org: skip the device sign-in (agents sign in themselves)
  --name <name>         The server entry's name (default ctxpipe)
  --project-dir <dir>   The project (default: the current directory)
  --dry-run             Show what would be written; write nothing
  --json                Print the result as JSON

Flags (doctor): --url, --org, --name, --project-dir, --json
`;

const OPTIONS = {
  url: { type: "string" },
  org: { type: "string" },
  agents: { type: "string" },
  scope: { type: "string" },
  auth: { type: "string" },
  "no-sign-in": { type: "boolean", default: false },
  name: { type: "string", default: "ctxpipe" },
  "project-dir": { type: "string" },
  "dry-run": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`ctxpipe-connect: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (command !== "init" && command !== "doctor") {
    process.stderr.write(`ctxpipe-connect: unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  const terminal = createTerminal({ quiet: values.json });
  const dirs = { projectDir: values["project-dir"] ?? process.cwd(), home: os.homedir() };
  try {
    if (command === "init") {
      const result = await runInit({ ...values, ...dirs, signIn: !values["no-sign-in"], dryRun: values["dry-run"] }, terminal, process.env);
      process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : describeInit(result));
      return 0;
    }
    const url = values.url ?? process.env.CTXPIPE_URL;
    if (!url) throw new Error("--url is required (or set CTXPIPE_URL).");
    const checks = await runDoctor({ url, org: values.org, name: values.name, ...dirs }, process.env);
    const failed = checks.some((c) => c.status === "failed");
    if (values.json) process.stdout.write(`${JSON.stringify({ ok: !failed, checks }, null, 2)}\n`);
    else {
      for (const c of checks) {
        process.stdout.write(`${c.status === "ok" ? "ok     " : c.status === "failed" ? "FAILED " : "skipped"} ${c.name}: ${c.detail}\n`);
        if (c.fix && c.status !== "ok") process.stdout.write(`        → ${c.fix}\n`);
      }
    }
    return failed ? 1 : 0;
  } catch (err) {
    const message = (err as Error).message;
    if (values.json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    process.stderr.write(`ctxpipe-connect: ${message}\n`);
    return 1;
  }
}

function describeInit(result: InitResult): string {
  const lines = [`${result.dryRun ? "Would write" : "Wrote"} ${result.mcpUrl} (${result.auth === "oauth" ? "OAuth" : `API key from $CTXPIPE_API_KEY`}):`];
  for (const f of result.files) {
    lines.push(`  ${f.agent.padEnd(12)} ${f.action.padEnd(10)} ${f.file}${f.auth !== result.auth ? `  (API key from $CTXPIPE_API_KEY: see below)` : ""}`);
    if (f.entry !== undefined && f.action !== "unchanged") lines.push(`      "${result.name}": ${JSON.stringify(f.entry)}`);
  }
  lines.push("", ...result.next);
  return `${lines.join("\n")}\n`;
}

process.exitCode = await main(process.argv.slice(2));
