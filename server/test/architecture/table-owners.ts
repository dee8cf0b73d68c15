/**
 * Who owns each table: the one place the architecture check (architecture-rules.ts) learns it.
 * The tables themselves come from the migrations (server/migrations): a table created there
 * and missing here fails the check, as does an entry here that no migration creates. Only the
 * owner writes a table (insert, update, delete, truncate, merge in its SQL); the others call
 * the owner's services through its index.ts. Reads across capabilities are not checked here.
 * Table names are lower case, with the schema when it is not `public` (`auth.session`).
 */

/** Table → the folder under server/src that owns it (a capability, or `platform`). */
export const TABLE_OWNERS: Readonly<Record<string, string>> = {
  // Better Auth's tables (identity, sessions, the OAuth provider), and tenancy.
  "auth.user": "accounts",
  "auth.account": "accounts",
  "auth.session": "accounts",
  "auth.verification": "accounts",
  "auth.jwks": "accounts",
  "auth.devicecode": "accounts",
  "auth.oauthclient": "accounts",
  "auth.oauthclientassertion": "accounts",
  "auth.oauthclientresource": "accounts",
  "auth.oauthresource": "accounts",
  "auth.oauthconsent": "accounts",
  "auth.oauthaccesstoken": "accounts",
  "auth.oauthrefreshtoken": "accounts",
  "auth.oauth_code_exchanges": "accounts",
  "auth.oauth_revocations": "accounts",
  orgs: "accounts",
  org_members: "accounts",
  org_invitations: "accounts",
  api_keys: "accounts",
  audit_events: "accounts",
  // Fixed-window limits (platform/rate-limit.ts).
  rate_limit_buckets: "platform",
  worker_heartbeats: "status",
  org_secrets: "secrets",
  repositories: "repositories",
  org_repository_settings: "repositories",
  index_files: "indexing",
  index_chunks: "indexing",
  index_symbols: "indexing",
  index_symbol_blobs: "indexing",
  index_term_blobs: "indexing",
  index_term_stats: "indexing",
  index_trigram_segments: "indexing",
  index_trigram_postings: "indexing",
  mcp_usage_daily: "mcp",
  mcp_unanswered: "mcp",
  connections: "connections",
  webhook_deliveries: "connections",
  confluence_connections: "connections",
  documents: "documents",
  document_chunks: "documents",
  graph_sources: "graph",
  graph_facts: "graph",
  graph_state: "graph",
  chat_conversations: "chat",
  chat_messages: "chat",
  backup_runs: "backup",
  embedding_vectors: "embeddings",
  embedding_state: "embeddings",
};

/** A write across ownership that the tree makes on purpose. */
export interface WriteException {
  /** The file (relative to server/src) that writes. */
  file: string;
  table: string;
  reason: string;
}

/** The tree's exceptions, each with its reason. */
export const WRITE_EXCEPTIONS: readonly WriteException[] = [
  {
    file: "backup/backup-loader.ts",
    table: "repositories",
    reason:
      "a restore loads every table as the owner user, outside any tenant and before this build's migrations run; it then finishes deletions in progress (their jobs are not in the backup) and queues every repository for a fresh index run, which no per-tenant service of repositories/ can do at that point",
  },
  {
    file: "backup/backup-loader.ts",
    table: "chat_conversations",
    reason: "the same restore clears answers marked as being written: the processes writing them are not in the backup",
  },
];
