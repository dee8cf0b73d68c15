/**
 * Where a local repository may be: inside CTXPIPE_LOCAL_REPOSITORIES_ROOT, never inside the
 * data directory (other organisations' clones, the embedded database, the generated secrets).
 * Both checks are made on the real path (symbolic links resolved), when the repository is
 * added and again before each clone or fetch.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { RepoUrlError } from "./repo-url.js";

/** The confinement of local repositories: the allowed root (undefined: none allowed) and the data directory. */
export interface LocalPathPolicy {
  localRoot: string | undefined;
  dataDir: string;
}

/** True when `child` is `parent` or below it (both absolute, normalised). */
export function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest. */
async function realOrResolved(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    const parent = path.dirname(p);
    if (parent === p) return p;
    return path.join(await realOrResolved(parent), path.basename(p));
  }
}

/**
 * Refuses a local repository path outside the root or inside the data directory.
 * @throws RepoUrlError (`local_path`, 400) with a sentence saying why.
 */
export async function confineLocalPath(policy: LocalPathPolicy, localPath: string): Promise<void> {
  if (!policy.localRoot) {
    throw new RepoUrlError("local_path", "Local repositories are not allowed: set CTXPIPE_LOCAL_REPOSITORIES_ROOT to the directory that holds them.");
  }
  const [real, root, dataDir] = await Promise.all([realOrResolved(localPath), realOrResolved(policy.localRoot), realOrResolved(policy.dataDir)]);
  if (isWithin(dataDir, real)) throw new RepoUrlError("local_path", "This path is inside ctxpipe's data directory: it cannot be indexed.");
  if (!isWithin(root, real)) {
    throw new RepoUrlError("local_path", "This path is outside the directory local repositories may be in (CTXPIPE_LOCAL_REPOSITORIES_ROOT).");
  }
}
