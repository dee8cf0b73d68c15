/**
 * `ctxpipe admin ...`: headless set-up and support against the configured database, whether or
 * not the server runs: create a user (through Better Auth, so the password hash is the real
 * one), an organisation and an API key; list users; reset a password (which ends the user's
 * sessions and OAuth grants); revoke an API key. Each command prints only its result (an id,
 * the key, a table), so scripts can use it.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { isAPIError } from "better-auth/api";
import {
  createApiKey,
  createAuth,
  createOrg,
  endSession,
  endSessionsOf,
  MIN_PASSWORD_LENGTH,
  orgNameSchema,
  orgSlugSchema,
  revokeAllOAuthApps,
  revokeApiKey,
  type OrgActor,
} from "../accounts/index.js";
import { createMailer } from "../platform/email/mailer.js";
import { AppError } from "../platform/errors.js";
import type { OrgRole } from "../platform/org-roles.js";
import type { Platform } from "../roles/platform.js";

import { ADMIN_COMMANDS } from "./usage.js";
import { readStdinBounded } from "./stdin.js";

/** Recorded as the client IP of audit events written by the CLI. */
const CLI_IP = "cli";

type Flags = Record<string, string | boolean | undefined> & { name?: string };

/** Where a command reads what is not passed as an argument. */
export interface AdminInput {
  /** All of standard input, as text. */
  readStdin(): Promise<string>;
}

interface AdminCommand {
  usage: string;
  /** One sentence for `ctxpipe admin <command> --help`. */
  summary: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  required: string[];
  run(platform: Platform, flags: Flags, input: AdminInput): Promise<string>;
}

/** Longest password read from standard input. */
export const MAX_STDIN_PASSWORD = 1024;

const text = { type: "string" } as const;

const invalid = (message: string, usage: string) => new AppError("invalid_arguments", 400, `${message}; usage: ctxpipe admin ${usage}`, { expose: true });

const failure = (code: string, status: number, message: string) => new AppError(code, status, message, { expose: true });

/** The user id for an e-mail address (case-insensitive), if any. */
async function findUserId(platform: Platform, email: string): Promise<string | undefined> {
  const { rows } = await platform.db.unsafeSystem.query<{ id: string }>(`select "id" from auth."user" where lower("email") = lower($1)`, [email]);
  return rows[0]?.id;
}

async function requireUserId(platform: Platform, email: string): Promise<string> {
  const id = await findUserId(platform, email);
  if (!id) throw failure("not_found", 404, `no user with e-mail ${email}`);
  return id;
}

/**
 * The password of create-user: the first line of standard input with --password-stdin (kept
 * out of the process list and shell history), or --password.
 */
async function passwordOf(flags: Flags, input: AdminInput, usage: string): Promise<string> {
  if (flags["password-stdin"] && flags.password !== undefined) throw invalid("pass either --password or --password-stdin, not both", usage);
  if (!flags["password-stdin"]) {
    if (typeof flags.password !== "string" || !flags.password.trim()) throw invalid("missing --password or --password-stdin", usage);
    return flags.password;
  }
  const text = await input.readStdin();
  if (text.length > MAX_STDIN_PASSWORD) throw invalid(`--password-stdin: at most ${MAX_STDIN_PASSWORD} characters`, usage);
  const password = text.split(/\r?\n/, 1)[0] ?? "";
  if (!password) throw invalid("--password-stdin: standard input is empty", usage);
  return password;
}

async function createUser(platform: Platform, flags: Flags, input: AdminInput): Promise<string> {
  const email = flags.email as string;
  const password = await passwordOf(flags, input, COMMANDS["create-user"]!.usage);
  if (await findUserId(platform, email)) throw failure("conflict", 409, `a user with e-mail ${email} exists`);
  const auth = createAuth({ config: platform.config, db: platform.db, mailer: createMailer(undefined, platform.logger), logger: platform.logger });
  try {
    const result = await auth.api.signUpEmail({ body: { email, password, name: flags.name ?? email.split("@")[0] ?? email } });
    // Sign-up also signs the user in; the CLI needs no session.
    if (result.token) await endSession(platform.db, result.token);
    return result.user.id;
  } catch (err) {
    if (isAPIError(err)) throw failure("sign_up_failed", 400, `cannot create the user: ${err.body?.message ?? err.message}`);
    throw err;
  }
}

async function createOrganisation(platform: Platform, flags: Flags): Promise<string> {
  const slug = orgSlugSchema.safeParse(flags.slug);
  if (!slug.success) throw invalid(`--slug: ${slug.error.issues[0]?.message}`, COMMANDS["create-org"]!.usage);
  const name = orgNameSchema.safeParse(flags.name);
  if (!name.success) throw invalid(`--name: ${name.error.issues[0]?.message}`, COMMANDS["create-org"]!.usage);
  const userId = await requireUserId(platform, flags.owner as string);
  const org = await createOrg(platform.db, { userId, ip: CLI_IP }, { slug: slug.data, name: name.data });
  return org.id;
}

async function createKey(platform: Platform, flags: Flags): Promise<string> {
  const email = flags.email as string;
  const name = (flags.name ?? "admin CLI").trim();
  if (name.length < 1 || name.length > 100) throw invalid("--name: 1-100 characters", COMMANDS["create-api-key"]!.usage);
  const userId = await requireUserId(platform, email);
  // Named cross-tenant lookup: the operator may tell "no such org" from "not a member".
  const { rows } = await platform.db.unsafeSystem.query<{ id: string; role: OrgRole | null }>(
    "select o.id, m.role from orgs o left join org_members m on m.org_id = o.id and m.user_id = $2 where o.slug = $1",
    [flags.org, userId],
  );
  const org = rows[0];
  if (!org) throw failure("not_found", 404, `no organisation with slug ${flags.org}`);
  if (!org.role) throw failure("not_a_member", 400, `${email} is not a member of ${flags.org}`);
  const actor: OrgActor = { orgId: org.id, userId, role: org.role, actorType: "user", ip: CLI_IP };
  return (await createApiKey(platform.db, actor, { name })).key;
}

/** Longest password Better Auth accepts (better-auth.ts). */
const MAX_PASSWORD_LENGTH = 128;

/** Sets a new password, then ends the user's sessions and OAuth grants (whoever knew the old one). */
async function resetPassword(platform: Platform, flags: Flags, input: AdminInput): Promise<string> {
  const usage = COMMANDS["reset-password"]!.usage;
  const password = await passwordOf(flags, input, usage);
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw invalid(`the password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`, usage);
  }
  const userId = await requireUserId(platform, flags.email as string);
  const auth = createAuth({ config: platform.config, db: platform.db, mailer: createMailer(undefined, platform.logger), logger: platform.logger });
  const ctx = await auth.$context;
  const hash = await ctx.password.hash(password);
  const { rows } = await platform.db.unsafeSystem.query(`select 1 from auth."account" where "userId" = $1 and "providerId" = 'credential'`, [userId]);
  // A user who signed up with GitHub or Google gets a password beside it.
  if (rows.length > 0) await ctx.internalAdapter.updatePassword(userId, hash);
  else await ctx.internalAdapter.linkAccount({ userId, providerId: "credential", accountId: userId, password: hash });
  const sessions = await endSessionsOf(platform.db, userId);
  const grants = await revokeAllOAuthApps(platform.db, userId);
  return `password reset; ended ${sessions} session(s) and ${grants} OAuth app grant(s)`;
}

/** Every user with their organisations, one per line, tab-separated, by e-mail. */
async function listUsers(platform: Platform): Promise<string> {
  // Named cross-tenant read: the operator sees every organisation's members.
  const { rows } = await platform.db.unsafeSystem.query<{ email: string; name: string; created_at: Date; orgs: string | null }>(
    `select u."email" as email, u."name" as name, u."createdAt" as created_at,
            string_agg(o.slug || ':' || m.role, ',' order by o.slug) as orgs
     from auth."user" u left join org_members m on m.user_id = u."id" left join orgs o on o.id = m.org_id
     group by u."id" order by lower(u."email")`,
  );
  const lines = rows.map((r) => [r.email, r.name, r.created_at.toISOString(), r.orgs ?? "-"].join("\t"));
  return ["email\tname\tcreated\torganisations", ...lines].join("\n");
}

/** Revokes an API key by id, as its owner (the audit log records the IP "cli"). */
async function revokeKey(platform: Platform, flags: Flags): Promise<string> {
  const id = String(flags.id);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    throw invalid("--id: an API key id (UUID)", COMMANDS["revoke-api-key"]!.usage);
  // Named cross-tenant lookup: the key's organisation and owner are not known yet.
  const { rows } = await platform.db.unsafeSystem.query<{ org_id: string; user_id: string; role: OrgRole | null; revoked: boolean }>(
    `select k.org_id, k.user_id, m.role, k.revoked_at is not null as revoked
     from api_keys k left join org_members m on m.org_id = k.org_id and m.user_id = k.user_id where k.id = $1`,
    [id],
  );
  const key = rows[0];
  if (!key) throw failure("not_found", 404, `no API key with id ${id}`);
  if (key.revoked) return "already revoked";
  await revokeApiKey(platform.db, { orgId: key.org_id, userId: key.user_id, role: key.role ?? "member", actorType: "user", ip: CLI_IP }, id);
  return "revoked";
}

const COMMANDS: Record<string, AdminCommand> = {
  "create-user": {
    ...ADMIN_COMMANDS["create-user"]!,
    options: { email: text, password: text, "password-stdin": { type: "boolean" }, name: text },
    required: ["email"],
    run: createUser,
  },
  "create-org": {
    ...ADMIN_COMMANDS["create-org"]!,
    options: { slug: text, name: text, owner: text },
    required: ["slug", "name", "owner"],
    run: createOrganisation,
  },
  "create-api-key": {
    ...ADMIN_COMMANDS["create-api-key"]!,
    options: { email: text, org: text, name: text },
    required: ["email", "org"],
    run: createKey,
  },
  "list-users": {
    ...ADMIN_COMMANDS["list-users"]!,
    options: {},
    required: [],
    run: listUsers,
  },
  "reset-password": {
    ...ADMIN_COMMANDS["reset-password"]!,
    options: { email: text, password: text, "password-stdin": { type: "boolean" } },
    required: ["email"],
    run: resetPassword,
  },
  "revoke-api-key": {
    ...ADMIN_COMMANDS["revoke-api-key"]!,
    options: { id: text },
    required: ["id"],
    run: revokeKey,
  },
};

/**
 * Runs one admin sub-command against a started platform; returns what to print on stdout.
 * @throws AppError with a one-line message on bad arguments or failures.
 */
export async function runAdminCommand(
  platform: Platform,
  args: string[],
  input: AdminInput = { readStdin: () => readStdinBounded(MAX_STDIN_PASSWORD) },
): Promise<string> {
  return parseAdminCommand(args).run(platform, input);
}

/** An admin command whose arguments are checked, ready to run. */
export interface ParsedAdminCommand {
  run(platform: Platform, input?: AdminInput): Promise<string>;
}

/**
 * Checks an admin command line before anything starts (no database needed), so bad
 * arguments answer at once.
 * @throws AppError invalid_arguments with the usage line.
 */
export function parseAdminCommand(args: string[]): ParsedAdminCommand {
  const [name, ...rest] = args;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    const known = Object.keys(COMMANDS).join(", ");
    throw new AppError("invalid_arguments", 400, `${name ? `unknown admin command "${name}"` : "missing admin command"}; use one of: ${known}`, {
      expose: true,
    });
  }
  let flags: Flags;
  try {
    flags = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: false }).values as Flags;
  } catch (err) {
    // node's messages run on with advice about positionals: keep the first sentence.
    throw invalid((err as Error).message.split(/\.\s|\n/)[0] ?? "bad arguments", command.usage);
  }
  const missing = command.required.filter((flag) => typeof flags[flag] !== "string" || !(flags[flag] as string).trim());
  if (missing.length > 0) throw invalid(`missing ${missing.map((f) => `--${f}`).join(", ")}`, command.usage);
  return { run: (platform, input = { readStdin: () => readStdinBounded(MAX_STDIN_PASSWORD) }) => command.run(platform, flags, input) };
}
