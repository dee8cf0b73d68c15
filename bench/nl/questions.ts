/**
 * The questions in words of `npm run bench:nl` (issue #29): six real public repositories, each
 * pinned by commit, and 66 questions over them, a third each "where is X implemented"
 * (`where`), "how does X work" (`how`) and "which setting controls X" (`setting`). Each lists
 * the files (repo-relative paths) that answer it, checked by reading the code at the pinned
 * commit, and a one-line `why`. Each question starts with the repository's name ("In flask,
 * …"), the name the benchmark gives it in ctxpipe: the corpus is one organisation of six
 * repositories, and an engineer asks about the one in front of them. No question names an
 * identifier of its answer files:
 * `checkQuestions` (bench/nl/check.ts) enforces it, and so does its unit test.
 */

/** One repository of the corpus, pinned. */
export interface NlRepo {
  /** Short id: the repository's name in ctxpipe, and how its questions name it. */
  id: string;
  /** `owner/name` on GitHub. */
  github: string;
  /** The pinned commit (40 hex). */
  commit: string;
  /** What it is, for the report. */
  shape: string;
}

/** The kind of a question. */
export type NlKind = "where" | "how" | "setting";

/** One question in words. */
export interface NlQuestion {
  id: string;
  /** NlRepo.id of the repository it is about. */
  repo: string;
  kind: NlKind;
  /** Asked as an engineer new to the repository would, naming none of the answer's identifiers. */
  q: string;
  /** Repo-relative paths of the files that answer it (any one counts as a hit). */
  answers: string[];
  /** Why these files answer it, in one line. */
  why: string;
}

/** The six repositories, pinned (the commits the `fetch` mirrors held on 2026-12-07). */
export const NL_REPOS: readonly NlRepo[] = [
  { id: "hono", github: "honojs/hono", commit: "28a9c128912de19f3fb28b00ae289c9b93f6f392", shape: "TypeScript web framework" },
  { id: "flask", github: "pallets/flask", commit: "2ac89889f4cc330eabd50f295dcef02828522c69", shape: "Python web framework" },
  { id: "zoekt", github: "sourcegraph/zoekt", commit: "c4d8f3537f7a67423835d8cf6b0e1d13e68e0b4c", shape: "Go code-search server" },
  { id: "caddy", github: "caddyserver/caddy", commit: "0cf03d32f7d99cf160d5375e8a40fbe3d910d515", shape: "Go web server" },
  {
    id: "sourcebot",
    github: "sourcebot-dev/sourcebot",
    commit: "7f7be84f230b2ab85726d95df71a3114d489e2b0",
    shape: "TypeScript monorepo (Next.js app, backend, schemas)",
  },
  { id: "trpc", github: "trpc/trpc", commit: "340811ba5320637fbaf48fccf3dbfdd258bd34db", shape: "TypeScript monorepo (libraries)" },
];

/** The questions: 11 per repository, 22 of each kind. */
export const NL_QUESTIONS: readonly NlQuestion[] = [
  // ---- hono: 4 where, 4 how, 3 setting
  {
    id: "hono-where-body-size",
    repo: "hono",
    kind: "where",
    q: "In hono, where is the middleware that rejects requests whose body is too large?",
    answers: ["src/middleware/body-limit/index.ts"],
    why: "The body limit middleware counts the streamed body and answers 413 past the maximum.",
  },
  {
    id: "hono-where-signed-cookies",
    repo: "hono",
    kind: "where",
    q: "In hono, where are signed cookies verified when they are read from a request?",
    answers: ["src/utils/cookie.ts", "src/helper/cookie/index.ts"],
    why: "utils/cookie.ts parses and checks the HMAC signature; the cookie helper exposes it to handlers.",
  },
  {
    id: "hono-where-pick-router",
    repo: "hono",
    kind: "where",
    q: "In hono, where does the framework try several routers and keep the first one that can handle all the routes?",
    answers: ["src/router/smart-router/router.ts"],
    why: "The smart router tries each candidate router on the first match and swaps itself for the one that works.",
  },
  {
    id: "hono-where-ip-allow-deny",
    repo: "hono",
    kind: "where",
    q: "In hono, where is the client's IP address checked against allow and deny lists?",
    answers: ["src/middleware/ip-restriction/index.ts"],
    why: "The IP restriction middleware matches the remote address against deny then allow rules.",
  },
  {
    id: "hono-how-regexp-router",
    repo: "hono",
    kind: "how",
    q: "In hono, how does the regular expression router combine all the routes into one big pattern?",
    answers: ["src/router/reg-exp-router/router.ts", "src/router/reg-exp-router/trie.ts", "src/router/reg-exp-router/node.ts"],
    why: "router.ts builds matchers per method from a trie of paths (trie.ts, node.ts) compiled into a single regexp.",
  },
  {
    id: "hono-how-jwt-verify",
    repo: "hono",
    kind: "how",
    q: "In hono, how are JSON web tokens verified, and which signing algorithms are supported?",
    answers: ["src/utils/jwt/jwt.ts", "src/utils/jwt/jws.ts", "src/utils/jwt/jwa.ts"],
    why: "jwt.ts decodes and checks the claims, jws.ts verifies signatures with WebCrypto, jwa.ts lists the algorithms.",
  },
  {
    id: "hono-how-sse",
    repo: "hono",
    kind: "how",
    q: "In hono, how does the streaming helper write server-sent events to the response?",
    answers: ["src/helper/streaming/sse.ts"],
    why: "sse.ts formats event, id, retry and data lines and writes them to the stream.",
  },
  {
    id: "hono-how-middleware-chain",
    repo: "hono",
    kind: "how",
    q: "In hono, how are middleware handlers chained so that each one can await the next?",
    answers: ["src/compose.ts"],
    why: "compose.ts dispatches handler i with a next() that dispatches i + 1 and keeps the context's response.",
  },
  {
    id: "hono-setting-cors-origin",
    repo: "hono",
    kind: "setting",
    q: "In hono, which option sets the origins that may make cross-origin requests?",
    answers: ["src/middleware/cors/index.ts"],
    why: "The CORS middleware's origin option (string, list or function) sets Access-Control-Allow-Origin.",
  },
  {
    id: "hono-setting-compress-threshold",
    repo: "hono",
    kind: "setting",
    q: "In hono, which option sets the minimum response size before responses get compressed?",
    answers: ["src/middleware/compress/index.ts"],
    why: "The compress middleware's threshold option (default 1024 bytes) skips smaller bodies.",
  },
  {
    id: "hono-setting-request-id-header",
    repo: "hono",
    kind: "setting",
    q: "In hono, which option changes the name of the header that carries the request identifier?",
    answers: ["src/middleware/request-id/request-id.ts"],
    why: "The request id middleware takes the header name as an option, default X-Request-Id.",
  },

  // ---- flask: 3 where, 4 how, 4 setting
  {
    id: "flask-where-blueprint-deferred",
    repo: "flask",
    kind: "where",
    q: "In flask, where are routes added to a blueprint recorded so they can be applied later when it is registered on the app?",
    answers: ["src/flask/sansio/blueprints.py"],
    why: "The sansio blueprint records deferred functions and replays them with a setup state on registration.",
  },
  {
    id: "flask-where-cli-find-app",
    repo: "flask",
    kind: "where",
    q: "In flask, where does the command line tool locate and import the application to run?",
    answers: ["src/flask/cli.py"],
    why: "cli.py finds the app from the app option, the environment or wsgi.py/app.py and imports it.",
  },
  {
    id: "flask-where-cookie-session",
    repo: "flask",
    kind: "where",
    q: "In flask, where is the default session implementation that keeps session data in a signed cookie?",
    answers: ["src/flask/sessions.py"],
    why: "sessions.py holds the secure cookie session interface built on itsdangerous signing.",
  },
  {
    id: "flask-how-tagged-json",
    repo: "flask",
    kind: "how",
    q: "In flask, how are tuples, bytes and datetimes kept intact when the session is serialised to JSON?",
    answers: ["src/flask/json/tag.py"],
    why: "tag.py wraps non-JSON types in single-key tagged objects and untags them on load.",
  },
  {
    id: "flask-how-request-context",
    repo: "flask",
    kind: "how",
    q: "In flask, how is the request context pushed before a request is handled and popped afterwards?",
    answers: ["src/flask/ctx.py", "src/flask/app.py"],
    why: "ctx.py defines push/pop of the request and app contexts; app.py's WSGI entry wraps each request in one.",
  },
  {
    id: "flask-how-class-views",
    repo: "flask",
    kind: "how",
    q: "In flask, how do class-based views send a request to a method named after the HTTP verb?",
    answers: ["src/flask/views.py"],
    why: "views.py's method view looks up the lowercase request method on the instance and calls it.",
  },
  {
    id: "flask-how-env-config",
    repo: "flask",
    kind: "how",
    q: "In flask, how does loading configuration from environment variables with a common prefix work?",
    answers: ["src/flask/config.py"],
    why: "config.py reads every variable with the prefix, parses values as JSON and nests on double underscores.",
  },
  {
    id: "flask-setting-session-lifetime",
    repo: "flask",
    kind: "setting",
    q: "In flask, which setting controls how long a permanent session lasts?",
    answers: ["src/flask/app.py", "src/flask/sansio/app.py", "src/flask/sessions.py"],
    why: "The default config in app.py sets the lifetime to 31 days; sansio/app.py exposes it; sessions.py uses it for the expiry.",
  },
  {
    id: "flask-setting-max-body",
    repo: "flask",
    kind: "setting",
    q: "In flask, which setting limits the maximum size of incoming request data?",
    answers: ["src/flask/app.py", "src/flask/wrappers.py"],
    why: "The default config holds the maximum content length; the request wrapper reads it per request.",
  },
  {
    id: "flask-setting-template-reload",
    repo: "flask",
    kind: "setting",
    q: "In flask, which setting decides whether templates are reloaded from disk when they change?",
    answers: ["src/flask/app.py", "src/flask/sansio/app.py"],
    why: "The templates auto reload key in the default config, applied to the Jinja environment in app.py and sansio/app.py.",
  },
  {
    id: "flask-setting-cookie-name",
    repo: "flask",
    kind: "setting",
    q: "In flask, which config value sets the name of the cookie that holds the session?",
    answers: ["src/flask/app.py", "src/flask/sessions.py"],
    why: "The session cookie name key defaults to 'session' in app.py and is read by sessions.py.",
  },

  // ---- zoekt: 4 where, 3 how, 4 setting
  {
    id: "zoekt-where-scoring",
    repo: "zoekt",
    kind: "where",
    q: "In zoekt, where are individual matches scored so that results can be ranked?",
    answers: ["index/score.go"],
    why: "score.go scores chunks and lines (symbol, word boundary, file name) for ranking.",
  },
  {
    id: "zoekt-where-skip-large-files",
    repo: "zoekt",
    kind: "where",
    q: "In zoekt, where does indexing skip files that are too large or look binary?",
    answers: ["index/builder.go"],
    why: "The builder's add checks the size limit and the binary/trigram heuristics and records a skip reason.",
  },
  {
    id: "zoekt-where-mirror-github",
    repo: "zoekt",
    kind: "where",
    q: "In zoekt, where is the tool that mirrors all repositories of a GitHub organisation?",
    answers: ["cmd/zoekt-mirror-github/main.go"],
    why: "The GitHub mirror command lists an org's or user's repositories and clones them.",
  },
  {
    id: "zoekt-where-watch-shards",
    repo: "zoekt",
    kind: "where",
    q: "In zoekt, where does the searcher notice new or deleted index files on disk and reload them?",
    answers: ["search/watcher.go"],
    why: "The directory watcher scans the index dir with fsnotify and loads or drops shards.",
  },
  {
    id: "zoekt-how-parse-query",
    repo: "zoekt",
    kind: "how",
    q: "In zoekt, how is a search string parsed into a tree of query nodes?",
    answers: ["query/parse.go"],
    why: "parse.go tokenises the input (fields, quotes, parentheses, or) and builds the query tree.",
  },
  {
    id: "zoekt-how-fan-out",
    repo: "zoekt",
    kind: "how",
    q: "In zoekt, how does a search run across many index shards in parallel and merge their results?",
    answers: ["search/shards.go"],
    why: "shards.go's sharded searcher fans out to the loaded shards with a worker limit and aggregates results.",
  },
  {
    id: "zoekt-how-git-index",
    repo: "zoekt",
    kind: "how",
    q: "In zoekt, how does indexing a git repository walk the commit's tree and read the file contents?",
    answers: ["gitindex/index.go", "gitindex/tree.go", "gitindex/catfile.go"],
    why: "index.go drives the indexing of branches, tree.go walks trees and submodules, catfile.go reads blobs.",
  },
  {
    id: "zoekt-setting-file-size",
    repo: "zoekt",
    kind: "setting",
    q: "In zoekt, which flag sets the largest file size that still gets indexed?",
    answers: ["index/builder.go"],
    why: "The builder options register the file limit flag, default 2 MiB.",
  },
  {
    id: "zoekt-setting-shard-matches",
    repo: "zoekt",
    kind: "setting",
    q: "In zoekt, which search option stops collecting matches in a shard after a certain number?",
    answers: ["api.go"],
    why: "The search options in api.go hold the per-shard and total maximum match counts with their defaults.",
  },
  {
    id: "zoekt-setting-context-lines",
    repo: "zoekt",
    kind: "setting",
    q: "In zoekt, which option sets how many lines of context are returned around each matching line?",
    answers: ["api.go"],
    why: "The search options in api.go carry the number of context lines.",
  },
  {
    id: "zoekt-setting-web-listen",
    repo: "zoekt",
    kind: "setting",
    q: "In zoekt, which flag sets the address and port the web server listens on?",
    answers: ["cmd/zoekt-webserver/main.go"],
    why: "The webserver's main defines the listen flag, default :6070.",
  },

  // ---- caddy: 3 where, 4 how, 4 setting
  {
    id: "caddy-where-least-conn",
    repo: "caddy",
    kind: "where",
    q: "In caddy, where does the reverse proxy choose the backend with the fewest active connections?",
    answers: ["modules/caddyhttp/reverseproxy/selectionpolicies.go"],
    why: "selectionpolicies.go holds the load balancing policies, the least connections one among them.",
  },
  {
    id: "caddy-where-health-checks",
    repo: "caddy",
    kind: "where",
    q: "In caddy, where are backends probed periodically to find out whether they are healthy?",
    answers: ["modules/caddyhttp/reverseproxy/healthchecks.go"],
    why: "healthchecks.go runs the active health checker on a ticker and marks upstreams healthy or not.",
  },
  {
    id: "caddy-where-admin-load",
    repo: "caddy",
    kind: "where",
    q: "In caddy, where is the admin endpoint that replaces the whole running configuration?",
    answers: ["caddyconfig/load.go", "admin.go"],
    why: "load.go registers the load route of the admin API; admin.go runs the admin server and applies the config.",
  },
  {
    id: "caddy-how-auto-https",
    repo: "caddy",
    kind: "how",
    q: "In caddy, how does the server automatically enable HTTPS and redirect plain HTTP for site addresses?",
    answers: ["modules/caddyhttp/autohttps.go"],
    why: "autohttps.go collects domain names from routes, adds certificate automation and the HTTP->HTTPS redirect routes.",
  },
  {
    id: "caddy-how-lexer",
    repo: "caddy",
    kind: "how",
    q: "In caddy, how does the config file lexer split the input into tokens, including heredocs and quotes?",
    answers: ["caddyconfig/caddyfile/lexer.go"],
    why: "lexer.go reads runes, handles quotes, escapes, comments and heredoc markers into tokens.",
  },
  {
    id: "caddy-how-placeholders",
    repo: "caddy",
    kind: "how",
    q: "In caddy, how are placeholders in braces replaced with values from the request?",
    answers: ["replacer.go", "modules/caddyhttp/replacer.go"],
    why: "replacer.go scans for {…} and asks provider functions; the HTTP one adds request values.",
  },
  {
    id: "caddy-how-on-demand-tls",
    repo: "caddy",
    kind: "how",
    q: "In caddy, how are certificates obtained during the TLS handshake, and how is that restricted to allowed names?",
    answers: ["modules/caddytls/ondemand.go", "modules/caddytls/automation.go"],
    why: "ondemand.go holds the permission module asked before issuing; automation.go wires on-demand issuance into policies.",
  },
  {
    id: "caddy-setting-upstream-header-timeout",
    repo: "caddy",
    kind: "setting",
    q: "In caddy, which setting controls how long the proxy waits for a backend to send its response headers?",
    answers: ["modules/caddyhttp/reverseproxy/httptransport.go"],
    why: "The HTTP transport holds the response header timeout passed to net/http's transport.",
  },
  {
    id: "caddy-setting-log-roll-size",
    repo: "caddy",
    kind: "setting",
    q: "In caddy, which setting controls the size at which log files are rotated?",
    answers: ["modules/logging/filewriter.go"],
    why: "The file writer's roll size in megabytes (default 100) feeds lumberjack's max size.",
  },
  {
    id: "caddy-setting-idle-timeout",
    repo: "caddy",
    kind: "setting",
    q: "In caddy, which setting controls how long an idle keep-alive connection stays open between requests?",
    answers: ["modules/caddyhttp/server.go", "modules/caddyhttp/app.go", "caddyconfig/httpcaddyfile/serveroptions.go"],
    why: "The server's idle timeout field (server.go), its default in app.go, and the servers option that sets it.",
  },
  {
    id: "caddy-setting-precompressed",
    repo: "caddy",
    kind: "setting",
    q: "In caddy, which option makes the static file server serve already compressed files when they exist?",
    answers: ["modules/caddyhttp/fileserver/staticfiles.go", "modules/caddyhttp/fileserver/caddyfile.go"],
    why: "The file server's precompressed encoders and order, parsed from the file_server directive's subdirective.",
  },

  // ---- sourcebot: 4 where, 4 how, 3 setting
  {
    id: "sourcebot-where-clone-fetch",
    repo: "sourcebot",
    kind: "where",
    q: "In sourcebot, where are repositories cloned or fetched before they are indexed?",
    answers: ["packages/backend/src/git.ts", "packages/backend/src/repoIndexWorkload.ts"],
    why: "git.ts wraps clone and fetch; the repo index job calls them before indexing.",
  },
  {
    id: "sourcebot-where-run-indexer",
    repo: "sourcebot",
    kind: "where",
    q: "In sourcebot, where does the backend run the external indexer program on a cloned repository?",
    answers: ["packages/backend/src/zoekt.ts"],
    why: "zoekt.ts builds the arguments and runs the git indexer binary.",
  },
  {
    id: "sourcebot-where-github-discovery",
    repo: "sourcebot",
    kind: "where",
    q: "In sourcebot, where are the repositories of a GitHub organisation or user listed when a connection is synced?",
    answers: ["packages/backend/src/github.ts"],
    why: "github.ts pages through the orgs', users' and named repositories with Octokit.",
  },
  {
    id: "sourcebot-where-encrypt-secrets",
    repo: "sourcebot",
    kind: "where",
    q: "In sourcebot, where are secrets encrypted before they are stored in the database?",
    answers: ["packages/shared/src/crypto.ts"],
    why: "crypto.ts encrypts and decrypts with AES and the server's encryption key, and hashes API keys.",
  },
  {
    id: "sourcebot-how-connection-sync",
    repo: "sourcebot",
    kind: "how",
    q: "In sourcebot, how does syncing a code host connection turn its configuration into repository records?",
    answers: ["packages/backend/src/connectionSyncWorkload.ts", "packages/backend/src/repoCompileUtils.ts"],
    why: "The connection sync job compiles host repositories into records (repoCompileUtils.ts) and upserts them.",
  },
  {
    id: "sourcebot-how-query-tokens",
    repo: "sourcebot",
    kind: "how",
    q: "In sourcebot, how does the search query language split a query into tokens and parse it?",
    answers: ["packages/queryLanguage/src/tokens.ts", "packages/queryLanguage/src/parser.ts", "packages/queryLanguage/src/index.ts"],
    why: "The query language package's external tokenizer and generated parser.",
  },
  {
    id: "sourcebot-how-permission-sync",
    repo: "sourcebot",
    kind: "how",
    q: "In sourcebot, how are repository permissions synced so users only see the code they can access on the host?",
    answers: ["packages/backend/src/ee/repoPermissionSyncWorkload.ts", "packages/backend/src/ee/accountPermissionSyncWorkload.ts"],
    why: "The enterprise repo and account permission sync jobs fetch collaborators or accessible repos and store the mapping.",
  },
  {
    id: "sourcebot-how-cleanup",
    repo: "sourcebot",
    kind: "how",
    q: "In sourcebot, how are repositories that no connection refers to anymore cleaned up from disk and the database?",
    answers: ["packages/backend/src/repoCleanupWorkload.ts"],
    why: "The repo cleanup job finds orphaned repositories and removes their clones, shards and rows.",
  },
  {
    id: "sourcebot-setting-reindex-interval",
    repo: "sourcebot",
    kind: "setting",
    q: "In sourcebot, which setting controls how often repositories are re-indexed?",
    answers: ["packages/schemas/src/v3/index.schema.ts", "schemas/v3/index.json", "packages/shared/src/constants.ts"],
    why: "The settings schema defines the reindex interval in milliseconds; constants.ts holds its default of one hour.",
  },
  {
    id: "sourcebot-setting-max-file-size",
    repo: "sourcebot",
    kind: "setting",
    q: "In sourcebot, which setting limits the size of files that get indexed?",
    answers: ["packages/schemas/src/v3/index.schema.ts", "schemas/v3/index.json", "packages/shared/src/constants.ts"],
    why: "The settings schema defines the maximum file size; constants.ts holds its 2 MB default.",
  },
  {
    id: "sourcebot-setting-language-model",
    repo: "sourcebot",
    kind: "setting",
    q: "In sourcebot, which part of the configuration file chooses the language model provider for asking questions?",
    answers: ["packages/schemas/src/v3/languageModel.schema.ts", "schemas/v3/languageModel.json"],
    why: "The language model schema lists the providers and their model, key and base URL fields.",
  },

  // ---- trpc: 4 where, 3 how, 4 setting
  {
    id: "trpc-where-batching",
    repo: "trpc",
    kind: "where",
    q: "In trpc, where does the client group several calls into one HTTP request?",
    answers: ["packages/client/src/links/httpBatchLink.ts", "packages/client/src/internals/dataLoader.ts"],
    why: "The batch link uses the data loader, which collects calls in one tick and splits them into groups.",
  },
  {
    id: "trpc-where-status-code",
    repo: "trpc",
    kind: "where",
    q: "In trpc, where is an error code on the server mapped to an HTTP status code?",
    answers: ["packages/server/src/unstable-core-do-not-import/http/getHTTPStatusCode.ts"],
    why: "getHTTPStatusCode.ts maps the JSON-RPC error codes to HTTP statuses.",
  },
  {
    id: "trpc-where-retry",
    repo: "trpc",
    kind: "where",
    q: "In trpc, where does the client retry a failed operation after a delay?",
    answers: ["packages/client/src/links/retryLink.ts"],
    why: "The retry link re-subscribes on error when the retry function allows, after the optional delay.",
  },
  {
    id: "trpc-where-ws-server",
    repo: "trpc",
    kind: "where",
    q: "In trpc, where is the server side of subscriptions over WebSockets handled?",
    answers: ["packages/server/src/adapters/ws.ts"],
    why: "The ws adapter parses messages, runs procedures and pushes subscription data per connection.",
  },
  {
    id: "trpc-how-jsonl",
    repo: "trpc",
    kind: "how",
    q: "In trpc, how are streamed responses encoded as lines of JSON and read back on the other side?",
    answers: ["packages/server/src/unstable-core-do-not-import/stream/jsonl.ts"],
    why: "jsonl.ts serialises nested promises and iterables as JSON lines and rebuilds them when reading.",
  },
  {
    id: "trpc-how-ws-reconnect",
    repo: "trpc",
    kind: "how",
    q: "In trpc, how does the WebSocket client reconnect after the connection drops?",
    answers: [
      "packages/client/src/links/wsLink/wsClient/wsClient.ts",
      "packages/client/src/links/wsLink/wsClient/wsConnection.ts",
      "packages/client/src/links/wsLink/wsClient/options.ts",
    ],
    why: "wsClient.ts reconnects with a retry delay (exponential backoff from options.ts) and resends pending requests.",
  },
  {
    id: "trpc-how-middleware-context",
    repo: "trpc",
    kind: "how",
    q: "In trpc, how do middlewares run in order and pass an extended context on to the next one?",
    answers: ["packages/server/src/unstable-core-do-not-import/middleware.ts", "packages/server/src/unstable-core-do-not-import/procedureBuilder.ts"],
    why: "middleware.ts defines the middleware builder and next(); the procedure builder calls them recursively and merges ctx.",
  },
  {
    id: "trpc-setting-batch-size",
    repo: "trpc",
    kind: "setting",
    q: "In trpc, which option limits how many calls can go into one batched request?",
    answers: ["packages/client/src/links/HTTPBatchLinkOptions.ts", "packages/client/src/links/httpBatchLink.ts"],
    why: "The batch link options hold the maximum items (and URL length) the batch link enforces.",
  },
  {
    id: "trpc-setting-sse-ping",
    repo: "trpc",
    kind: "setting",
    q: "In trpc, which setting controls how often the server sends keep-alive pings on server-sent event subscriptions?",
    answers: ["packages/server/src/unstable-core-do-not-import/stream/sse.ts", "packages/server/src/unstable-core-do-not-import/rootConfig.ts"],
    why: "The SSE producer's ping interval option (default 1000 ms), set through the root config's sse options.",
  },
  {
    id: "trpc-setting-stack-traces",
    repo: "trpc",
    kind: "setting",
    q: "In trpc, which setting decides whether error stack traces are sent to the client?",
    answers: [
      "packages/server/src/unstable-core-do-not-import/rootConfig.ts",
      "packages/server/src/unstable-core-do-not-import/error/getErrorShape.ts",
      "packages/server/src/unstable-core-do-not-import/initTRPC.ts",
    ],
    why: "The root config's development flag, defaulted in initTRPC.ts, makes the error shape include the stack.",
  },
  {
    id: "trpc-setting-ws-keepalive",
    repo: "trpc",
    kind: "setting",
    q: "In trpc, which option makes the WebSocket client send periodic pings to keep the connection alive?",
    answers: ["packages/client/src/links/wsLink/wsClient/options.ts", "packages/client/src/links/wsLink/wsClient/wsConnection.ts"],
    why: "The client options' keep-alive block (enabled, interval, pong timeout) used by the connection.",
  },
];
