/**
 * `ctxpipe doctor [--json]`: runs the deployment checks (server/src/doctor) and prints one
 * line per item (`ok`, `warn` or `fail`, what was found, and the fix), or a JSON array. The
 * database is started without migrating it: pending migrations are one of the findings.
 */
import { parseArgs } from "node:util";
import { runDoctor } from "../doctor/index.js";
import type { Config } from "../platform/config/config.js";
import { AppError } from "../platform/errors.js";
import type { Lifecycle } from "../platform/lifecycle.js";
import type { Logger } from "../platform/logging.js";
import { startPlatform } from "../roles/platform.js";

/** Runs the doctor; answers what to print and whether any check failed. */
export async function runDoctorCommand(
  args: string[],
  ctx: { config: Config; logger: Logger; lifecycle: Lifecycle },
): Promise<{ output: string; failed: boolean }> {
  let json = false;
  try {
    json = Boolean(parseArgs({ args, strict: true, options: { json: { type: "boolean" } } }).values.json);
  } catch (err) {
    throw new AppError("invalid_arguments", 400, `${(err as Error).message}\nUsage: ctxpipe doctor [--json]`, { expose: true });
  }
  const platform = await startPlatform({ ...ctx.config, database: { ...ctx.config.database, migrateOnStart: false } }, ctx.logger, {
    applicationName: "ctxpipe-doctor",
    maintenance: true,
    requireExisting: true,
    lifecycle: ctx.lifecycle,
  });
  // The secret the platform resolved, as the roles resolve it (a maintenance command makes one up when none is set: that fails).
  const checks = await runDoctor({ config: platform.config, db: platform.db, secretBox: platform.secretBox, authSecretSource: platform.authSecretSource });
  const failed = checks.some((c) => c.status === "fail");
  if (json) return { output: JSON.stringify({ ok: !failed, checks }, null, 2), failed };
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}${c.fix ? `\n      ${"".padEnd(width)}  fix: ${c.fix}` : ""}`);
  const counts = ["ok", "warn", "fail"].map((s) => `${checks.filter((c) => c.status === s).length} ${s}`).join(", ");
  return { output: `${lines.join("\n")}\n${counts}`, failed };
}
