/**
 * The smoke set of `npm run bench:nl -- --smoke`: two of the packages npm ci installed (the
 * smoke corpus of bench/search/corpus.ts, at the versions package-lock.json pins), each a
 * repository of its own, and four questions over them, so the whole path runs offline in
 * seconds. Its answers are checked to exist when the run copies the packages.
 */
import type { NlQuestion } from "./questions.js";

/** The smoke repositories: a package under node_modules each (the id is its folder and its name in ctxpipe). */
export const SMOKE_REPOS: readonly { id: string }[] = [{ id: "pg" }, { id: "pino" }];

/** The smoke questions. */
export const SMOKE_QUESTIONS: readonly NlQuestion[] = [
  {
    id: "pg-where-client",
    repo: "pg",
    kind: "where",
    q: "In pg, where is the client that opens a connection to the server and sends queries?",
    answers: ["lib/client.js"],
    why: "client.js connects, runs the startup handshake and queues queries.",
  },
  {
    id: "pino-how-redact",
    repo: "pino",
    kind: "how",
    q: "In pino, how are sensitive fields hidden from the log output?",
    answers: ["lib/redaction.js"],
    why: "redaction.js compiles the redact paths with fast-redact and censors them on serialisation.",
  },
  {
    id: "pg-setting-defaults",
    repo: "pg",
    kind: "setting",
    q: "In pg, which setting holds the default host and port used to connect?",
    answers: ["lib/defaults.js"],
    why: "defaults.js holds host, port, user, database and pool defaults.",
  },
  {
    id: "pino-setting-level",
    repo: "pino",
    kind: "setting",
    q: "In pino, which option sets the minimum level that gets written?",
    answers: ["pino.js", "lib/levels.js", "lib/proto.js"],
    why: "pino.js takes the level option, levels.js validates and sets it, proto.js exposes it on the logger.",
  },
];
