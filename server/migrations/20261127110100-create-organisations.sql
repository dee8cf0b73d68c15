-- Organisations and everything they own for accounts: members, invitations, API keys,
-- encrypted secrets and the audit log. Every org-owned table has org_id and a row-level
-- security policy on the transaction-local settings app.org_id / app.user_id, which
-- server/src/platform/db/tenant.ts sets. The app role owns none of these tables, so the
-- policies always apply to it; a query without a scope sees nothing.

-- The scope of the current transaction; null when unset.
create function ctxpipe_current_org() returns uuid
  language sql stable
  as $$ select nullif(current_setting('app.org_id', true), '')::uuid $$;

create function ctxpipe_current_user() returns text
  language sql stable
  as $$ select nullif(current_setting('app.user_id', true), '') $$;

create table orgs (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,31}$'),
  name text not null check (length(name) between 1 and 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table org_members (
  org_id uuid not null references orgs (id) on delete cascade,
  user_id text not null references auth."user" ("id") on delete cascade,
  role text not null check (role in ('owner', 'admin', 'member')),
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
create index org_members_user_idx on org_members (user_id);

create table org_invitations (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references orgs (id) on delete cascade,
  email text not null,
  role text not null check (role in ('owner', 'admin', 'member')),
  -- sha256 of the secret token; the token itself exists only in the invitation link.
  token_hash text not null unique,
  invited_by text references auth."user" ("id") on delete set null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by text references auth."user" ("id") on delete set null,
  revoked_at timestamptz,
  last_sent_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);
create index org_invitations_org_idx on org_invitations (org_id, created_at desc);
-- At most one open invitation per address and org.
create unique index org_invitations_open_idx on org_invitations (org_id, lower(email))
  where accepted_at is null and revoked_at is null;

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references orgs (id) on delete cascade,
  user_id text not null references auth."user" ("id") on delete cascade,
  name text not null check (length(name) between 1 and 100),
  -- The first characters of the key, shown in lists to recognise it.
  prefix text not null,
  -- sha256 of the whole key: keys are long random strings, so a fast hash is enough.
  key_hash text not null unique,
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index api_keys_org_idx on api_keys (org_id, created_at desc);

create table org_secrets (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references orgs (id) on delete cascade,
  purpose text not null check (length(purpose) between 1 and 100),
  -- secret-box ciphertext "v1.<keyId>.<iv>.<ct>.<tag>", bound to org and id as associated data.
  ciphertext text not null,
  key_id text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index org_secrets_key_idx on org_secrets (key_id);

create table audit_events (
  id bigint generated always as identity primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  actor_user_id text,
  actor_type text not null check (actor_type in ('user', 'api_key', 'system')),
  action text not null,
  target_type text,
  target_id text,
  details jsonb not null default '{}',
  ip text,
  created_at timestamptz not null default now()
);
create index audit_events_org_idx on audit_events (org_id, id desc);

-- Row-level security. Members of an org see it; a user also sees the orgs and memberships
-- that are their own (to list "my organisations").
alter table orgs enable row level security;
create policy orgs_visible on orgs for select using (
  id = ctxpipe_current_org()
  or exists (select 1 from org_members m where m.org_id = orgs.id and m.user_id = ctxpipe_current_user())
);
create policy orgs_write on orgs for all using (id = ctxpipe_current_org()) with check (id = ctxpipe_current_org());

alter table org_members enable row level security;
create policy org_members_visible on org_members for select using (
  org_id = ctxpipe_current_org() or user_id = ctxpipe_current_user()
);
create policy org_members_write on org_members for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());

alter table org_invitations enable row level security;
create policy org_invitations_scope on org_invitations for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());

alter table api_keys enable row level security;
create policy api_keys_scope on api_keys for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());

alter table org_secrets enable row level security;
create policy org_secrets_scope on org_secrets for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());

alter table audit_events enable row level security;
create policy audit_events_scope on audit_events for all using (org_id = ctxpipe_current_org()) with check (org_id = ctxpipe_current_org());
grant usage on sequence audit_events_id_seq to ctxpipe_app;

-- Narrow, audited doors through RLS for the two lookups that must find a row before its org
-- is known. They run as the owner (security definer) and return only what the caller needs.

-- An API key by its hash: the org and user it acts for, if valid now. Marks it used.
create function ctxpipe_authenticate_api_key(p_key_hash text)
  returns table (key_id uuid, org_id uuid, user_id text)
  language sql volatile security definer set search_path = public, pg_temp
  as $$
    update api_keys k set last_used_at = now()
    where k.key_hash = p_key_hash and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())
    returning k.id, k.org_id, k.user_id
  $$;

-- An invitation by its token hash: only what the accept page shows.
create function ctxpipe_find_invitation(p_token_hash text)
  returns table (invitation_id uuid, org_id uuid, org_slug text, org_name text, email text, role text,
                 expires_at timestamptz, accepted_at timestamptz, revoked_at timestamptz)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select i.id, i.org_id, o.slug, o.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
    from org_invitations i join orgs o on o.id = i.org_id
    where i.token_hash = p_token_hash
  $$;

-- An org and the caller's role in it, by slug; nothing when the caller is not a member
-- (so "does not exist" and "not yours" look the same).
create function ctxpipe_find_membership(p_slug text, p_user_id text)
  returns table (org_id uuid, org_slug text, org_name text, role text)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.id, o.slug, o.name, m.role
    from orgs o join org_members m on m.org_id = o.id
    where o.slug = p_slug and m.user_id = p_user_id
  $$;

revoke all on function ctxpipe_authenticate_api_key(text) from public;
revoke all on function ctxpipe_find_invitation(text) from public;
revoke all on function ctxpipe_find_membership(text, text) from public;
grant execute on function ctxpipe_authenticate_api_key(text) to ctxpipe_app;
grant execute on function ctxpipe_find_invitation(text) to ctxpipe_app;
grant execute on function ctxpipe_find_membership(text, text) to ctxpipe_app;
