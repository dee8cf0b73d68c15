/**
 * `ctxpipe-connect init`: signs in to an instance (OAuth device flow, or the API key in
 * CTXPIPE_API_KEY), picks an organisation and writes each chosen agent's MCP configuration
 * (agent-configs.ts). Every prompt has a flag; without a terminal a missing flag is an error
 * naming it. All files are planned before any is written, so one unreadable file leaves every
 * file as it was. The OAuth token used to list organisations is revoked at the end: the CLI
 * keeps no credential, and the agents sign in themselves.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import {
  AGENTS,
  API_KEY_ENV,
  type Agent,
  authFor,
  type ConfigPlan,
  configFile,
  entryFor,
  OAUTH_UNSUPPORTED,
  planConfig,
  type Scope,
  type ServerEntry,
} from "./agent-configs.js";
import { createInstanceClient, type InstanceClient, type Me, mcpUrl, normaliseOrigin } from "./instance.js";
import { answer, type Terminal } from "./terminal.js";

/** The flags of `init`; undefined means "ask, or fail when not in a terminal". */
export interface InitOptions {
  url?: string;
  org?: string;
  /** Comma-separated agent names, or "all". */
  agents?: string;
  scope?: string;
  auth?: string;
  /** The server entry's name in each file. */
  name: string;
  /** Sign in to list organisations (OAuth); false needs --org. */
  signIn: boolean;
  dryRun: boolean;
  projectDir: string;
  home: string;
}

/** What `init` did (or, with --dry-run, would do). */
export interface InitResult {
  url: string;
  /** The server entry's name in each file. */
  name: string;
  org: string;
  mcpUrl: string;
  auth: "oauth" | "api-key";
  scope: Scope;
  dryRun: boolean;
  /**
   * One per agent; `auth` is the agent's own (API key where OAuth does not work for it, see
   * OAUTH_UNSUPPORTED). With --dry-run, `entry` is what would be written (only ctxpipe's
   * entry: other servers' settings may hold secrets).
   */
  files: { agent: Agent; file: string; action: ConfigPlan["action"]; auth: ServerEntry["auth"]; entry?: Record<string, unknown> }[];
  next: string[];
}

/** Runs `init`. @throws Error with a sentence that says what to fix; nothing is written then. */
export async function runInit(options: InitOptions, terminal: Terminal, env: NodeJS.ProcessEnv): Promise<InitResult> {
  const origin = normaliseOrigin(options.url ?? env.CTXPIPE_URL ?? (await answer(terminal, "--url", "ctxpipe URL (like https://ctx.example.com): ")));
  const auth = parseAuth(options.auth ?? (env[API_KEY_ENV] ? "api-key" : "oauth"));
  const agents = await chooseAgents(options, terminal);
  const scope = await chooseScope(options, terminal);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(options.name)) throw new Error("--name must be 1 to 64 letters, digits, dots, dashes or underscores.");
  const client = createInstanceClient(origin);

  const org = await chooseOrg(await organisations(client, options, auth, terminal, env), options.org, terminal, origin);
  const entry = { name: options.name, url: mcpUrl(origin, org), auth };
  const entryOf = (agent: Agent): ServerEntry => ({ ...entry, auth: authFor(agent, auth) });
  const plans: ConfigPlan[] = [];
  const problems: string[] = [];
  for (const agent of agents) {
    const projectFile = scope === "project" ? configFile(agent, "project", { project: options.projectDir, home: options.home }) : undefined;
    const file = projectFile ?? configFile(agent, "user", { project: options.projectDir, home: options.home })!;
    try {
      if (projectFile !== undefined) await refuseOutsideProject(projectFile, options.projectDir);
      plans.push(planConfig(agent, file, await readIfExists(file), entryOf(agent)));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw new Error(`Nothing was written. ${problems.join(" ")}`);
  if (!options.dryRun) {
    for (const plan of plans) if (plan.action !== "unchanged") await writeAtomically(plan.file, plan.text, scope === "user" || plan.agent === "codex");
  }
  return {
    url: origin,
    name: options.name,
    org,
    mcpUrl: entry.url,
    auth,
    scope,
    dryRun: options.dryRun,
    files: plans.map((p) => ({
      agent: p.agent,
      file: p.file,
      action: p.action,
      auth: entryOf(p.agent).auth,
      ...(options.dryRun ? { entry: entryFor(p.agent, entryOf(p.agent)) } : {}),
    })),
    next: nextSteps(auth, agents),
  };
}

/** What the developer does next; one line of why for each agent that cannot use OAuth. */
function nextSteps(auth: ServerEntry["auth"], agents: Agent[]): string[] {
  if (auth === "api-key") return [`Export ${API_KEY_ENV} in the environment your agents start from; the files reference it and hold no key.`];
  const keyed = agents.filter((a) => authFor(a, auth) === "api-key");
  const signIn = agents.filter((a) => authFor(a, auth) === "oauth");
  return [
    ...(signIn.length > 0
      ? ["Reload your agents: each signs in to ctxpipe in the browser on first use (Claude Code: /mcp; Codex: codex mcp login ctxpipe)."]
      : []),
    ...keyed.flatMap((a) => [
      OAUTH_UNSUPPORTED[a]!,
      `  Create a key in the web app (Settings → API keys) and export ${API_KEY_ENV} where ${a} starts; the file references it and holds no key.`,
    ]),
  ];
}

function parseAuth(value: string): "oauth" | "api-key" {
  if (value === "oauth" || value === "api-key") return value;
  throw new Error(`--auth must be oauth or api-key, not "${value}".`);
}

/** The agents whose configuration already exists on this machine, as the prompt's default. */
function detectAgents(options: InitOptions): Agent[] {
  return AGENTS.filter((agent) =>
    (["project", "user"] as const).some((scope) => {
      const file = configFile(agent, scope, { project: options.projectDir, home: options.home });
      if (file === undefined) return false;
      const dir = path.dirname(file);
      return existsSync(file) || (dir !== options.projectDir && dir !== options.home && existsSync(dir));
    }),
  );
}

async function chooseAgents(options: InitOptions, terminal: Terminal): Promise<Agent[]> {
  let value = options.agents;
  if (value === undefined) {
    const detected = detectAgents(options);
    if (!terminal.interactive) throw new Error(`--agents is required when not run in a terminal (${AGENTS.join(", ")}, or all).`);
    const reply = await terminal.ask(`Agents to set up (${AGENTS.join(", ")}, or all)${detected.length > 0 ? ` [${detected.join(",")}]` : ""}: `);
    value = reply || detected.join(",");
    if (!value) throw new Error("No agents chosen: pass --agents.");
  }
  const names =
    value === "all"
      ? [...AGENTS]
      : value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
  const unknown = names.filter((n) => !(AGENTS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`Unknown agent ${unknown.map((u) => `"${u}"`).join(", ")}: choose from ${AGENTS.join(", ")}, or all.`);
  if (names.length === 0) throw new Error("--agents names no agent.");
  return [...new Set(names)] as Agent[];
}

async function chooseScope(options: InitOptions, terminal: Terminal): Promise<Scope> {
  let value = options.scope;
  if (value === undefined)
    value = terminal.interactive
      ? (await terminal.ask("Write to this project or to your user configuration? (project/user) [project]: ")) || "project"
      : "project";
  if (value !== "project" && value !== "user") throw new Error(`--scope must be project or user, not "${value}".`);
  return value;
}

/** The organisations the credential can use: the API key's own, or the signed-in user's. */
async function organisations(
  client: InstanceClient,
  options: InitOptions,
  auth: "oauth" | "api-key",
  terminal: Terminal,
  env: NodeJS.ProcessEnv,
): Promise<Me["orgs"] | undefined> {
  if (auth === "api-key") {
    const key = env[API_KEY_ENV];
    if (!key) throw new Error(`Set ${API_KEY_ENV} to an API key (Settings → API keys in the web app): init checks it, and the agents read it from there.`);
    return (await client.me(key)).orgs;
  }
  if (!options.signIn) {
    if (!options.org) throw new Error("--no-sign-in needs --org.");
    return undefined;
  }
  const resource = await client.protectedResource();
  const issuer = resource.authorizationServers[0];
  if (!issuer) throw new Error(`${client.origin} names no OAuth authorisation server; use an API key (--auth api-key).`);
  const server = await client.authServer(issuer);
  const { accessToken, clientId } = await client.deviceSignIn(
    server,
    (code) => {
      terminal.notice(`To sign in, open ${code.verificationUriComplete ?? code.verificationUri}`);
      terminal.notice(`and approve the code ${code.userCode} (it expires in ${Math.round(code.expiresIn / 60)} minutes). Waiting…`);
    },
    "ctxpipe-connect",
  );
  try {
    const me = await client.me(accessToken);
    terminal.say(`Signed in as ${me.user.email}.`);
    return me.orgs;
  } finally {
    await client.revoke(server, accessToken, clientId);
  }
}

async function chooseOrg(orgs: Me["orgs"] | undefined, wanted: string | undefined, terminal: Terminal, origin: string): Promise<string> {
  if (orgs === undefined) return wanted!;
  if (wanted !== undefined) {
    if (orgs.some((o) => o.slug === wanted)) return wanted;
    throw new Error(`No organisation "${wanted}" for this account${orgs.length > 0 ? `; yours: ${orgs.map((o) => o.slug).join(", ")}` : ""}.`);
  }
  if (orgs.length === 0) throw new Error(`This account is in no organisation yet: create one at ${origin}.`);
  if (orgs.length === 1) return orgs[0]!.slug;
  if (!terminal.interactive) throw new Error(`--org is required when not run in a terminal: ${orgs.map((o) => o.slug).join(", ")}.`);
  orgs.forEach((o, i) => terminal.say(`  ${i + 1}. ${o.name} (${o.slug})`));
  const reply = await terminal.ask(`Organisation (1-${orgs.length} or slug): `);
  const chosen = orgs[Number(reply) - 1] ?? orgs.find((o) => o.slug === reply);
  if (!chosen) throw new Error(`"${reply}" is not one of the organisations listed: pass --org.`);
  return chosen.slug;
}

/**
 * Refuses a project-scope file whose real path leaves the project: a symbolic link (of the
 * file or of a folder on its way) would otherwise have init rewrite an unrelated file
 * elsewhere. A file not there yet is judged by where it would be created. User scope does not
 * come here: linked dotfiles are written through their links.
 * @throws Error naming the file and where it leads.
 */
async function refuseOutsideProject(file: string, projectDir: string): Promise<void> {
  const root = await fs.realpath(projectDir).catch(() => path.resolve(projectDir));
  const real = await resolvedPath(file);
  const relative = path.relative(root, real);
  if (relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new Error(
      `${file} leads outside the project, to ${real} (through a symbolic link): init writes a project's configuration only inside the project. Replace the link with a file, or use --scope user.`,
    );
  }
}

/**
 * The real path `file` leads to: fs.realpath of the file, or of its nearest existing parent
 * with the rest appended; a dangling link is followed to where it points.
 * @throws Error when the path cannot be resolved.
 */
async function resolvedPath(file: string): Promise<string> {
  let at = path.resolve(file);
  const rest: string[] = [];
  for (let hops = 0; hops < 64; hops++) {
    try {
      return path.join(await fs.realpath(at), ...rest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new Error(`${file} cannot be resolved (${code}).`);
    }
    const link = await fs.readlink(at).catch(() => undefined);
    if (link !== undefined) at = path.resolve(path.dirname(at), link);
    else {
      const parent = path.dirname(at);
      if (parent === at) return path.join(at, ...rest);
      rest.unshift(path.basename(at));
      at = parent;
    }
  }
  throw new Error(`${file} cannot be resolved (too many symbolic links).`);
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`${file} cannot be read (${(err as NodeJS.ErrnoException).code}).`);
  }
}

/**
 * Writes through a new temporary file (unpredictable name, created exclusively) and a rename,
 * keeping an existing file's mode; a symlinked configuration is written at its target, so the
 * link stays.
 */
async function writeAtomically(file: string, text: string, privateByDefault: boolean): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const target = await fs.realpath(file).catch(() => file);
  const mode = await fs.stat(target).then(
    (s) => s.mode & 0o777,
    () => (privateByDefault ? 0o600 : 0o644),
  );
  const temporary = `${target}.ctxpipe-${randomBytes(8).toString("hex")}.tmp`;
  await fs.writeFile(temporary, text, { mode, flag: "wx" });
  try {
    await fs.chmod(temporary, mode);
    await fs.rename(temporary, target);
  } catch (err) {
    await fs.rm(temporary, { force: true });
    throw err;
  }
}
