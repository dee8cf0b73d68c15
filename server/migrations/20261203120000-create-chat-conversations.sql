-- Conversations of the chat and ctx_advisor (server/src/chat, docs/chat.md): per organisation
-- (row-level security) and per user (every service call filters by the caller), with each
-- message and, for the assistant's, the checked citations, sources and tool calls.
create table chat_conversations (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references orgs (id) on delete cascade,
  user_id text not null,
  title text not null check (length(title) between 1 and 200),
  source text not null check (source in ('web', 'mcp')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index chat_conversations_user_idx on chat_conversations (org_id, user_id, updated_at desc);

create table chat_messages (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references orgs (id) on delete cascade,
  conversation_id uuid not null references chat_conversations (id) on delete cascade,
  role text not null check (role in ('user', 'assistant')),
  content text not null check (length(content) <= 100000),
  -- The assistant's checked citations, sources, tool calls and why it stopped early.
  answer jsonb,
  created_at timestamptz not null default now()
);
create index chat_messages_conversation_idx on chat_messages (conversation_id, created_at);

alter table chat_conversations enable row level security;
create policy chat_conversations_scope on chat_conversations for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
alter table chat_messages enable row level security;
create policy chat_messages_scope on chat_messages for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
