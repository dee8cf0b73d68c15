/**
 * The environment handed to child processes (git, pg_ctl): PATH from ours and nothing else,
 * so secrets in this process' environment (AUTH_SECRET, DATABASE_URL, provider keys) never
 * reach a child. Callers add what their child needs.
 */

/** PATH of this process plus `extra`; no other variable is inherited. */
export function childProcessEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", ...extra };
}
