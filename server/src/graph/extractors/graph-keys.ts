/**
 * Node keys. What repositories share has a global key, so that a package one repository
 * defines and another consumes meet on one node: `npm:<name>`, `go:<module>`,
 * `cargo:<name>`, `pypi:<normalised name>`, `image:<name>`, `owner:<handle>`, `event:<channel>`.
 * What lives in one repository carries its id: `service:<repoId>:<name>`,
 * `container:<repoId>:<path>`, `api:<repoId>:<path>`, `decision:<repoId>:<path>`,
 * `instruction:<repoId>:<path>:<line>`, `package:<repoId>:<dir>` (a manifest without a name, a
 * Gradle project, a Helm chart), `infra:<repoId>:<type>.<name>` (a Terraform resource),
 * `repo:<repoId>`.
 */

/** The kinds of nodes. */
export const NODE_KINDS = [
  "package",
  "service",
  "app",
  "library",
  "container",
  "image",
  "datastore",
  "queue",
  "api",
  "event",
  "owner",
  "decision",
  "instruction",
  "workspace",
  "repository",
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** The npm package `name`. */
export const npmKey = (name: string) => `npm:${name}`;
/** The Go module `path`. */
export const goKey = (module: string) => `go:${module}`;
/** The crate `name`. */
export const cargoKey = (name: string) => `cargo:${name}`;
/** The Python distribution `name`, normalised as PEP 503 says (lower case, runs of -_. as -). */
export const pypiKey = (name: string) => `pypi:${name.toLowerCase().replace(/[-_.]+/g, "-")}`;
/** A container image by name, without tag or digest. */
export const imageKey = (name: string) => `image:${name}`;
/** A CODEOWNERS owner (@user, @org/team or an e-mail). */
export const ownerKey = (handle: string) => `owner:${handle.toLowerCase()}`;
/** An event channel or topic (AsyncAPI). */
export const eventKey = (channel: string) => `event:${channel}`;
/** The repository itself. */
export const repoKey = (repositoryId: string) => `repo:${repositoryId}`;
/** Something that lives in one repository, at a path or under a name. */
export const localKey = (kind: "service" | "container" | "api" | "decision" | "package" | "workspace" | "infra", repositoryId: string, name: string) =>
  `${kind}:${repositoryId}:${name}`;
/** One rule of an instruction file. */
export const instructionKey = (repositoryId: string, path: string, line: number) => `instruction:${repositoryId}:${path}:${line}`;
