-- An authorization code used twice voids what it was exchanged for (RFC 6749 section 4.1.2,
-- issue #26). Better Auth deletes the refresh and opaque access tokens it stored for the code,
-- but JWT access tokens are not stored: they are voided through auth.oauth_revocations, which
-- needs the user and client the code was exchanged for. Those are kept here, keyed by the
-- code's SHA-256 (never the code), from a successful exchange until the code has expired and
-- the access tokens issued for it have too (server/src/accounts/oauth/code-reuse.ts).
-- Like the other OAuth tables, no RLS: the app role reaches it only through the two
-- security-definer functions below.
create table auth.oauth_code_exchanges (
  code_hash text primary key check (code_hash ~ '^[0-9a-f]{64}$'),
  user_id text not null references auth."user" ("id") on delete cascade,
  client_id text not null,
  expires_at timestamptz not null
);
create index oauth_code_exchanges_expires_idx on auth.oauth_code_exchanges (expires_at);

-- Records a successful exchange of the code hashed `p_code_hash`, kept `p_keep_seconds`
-- (at most a day), and drops the records that expired.
create function ctxpipe_record_oauth_code_exchange(p_code_hash text, p_user_id text, p_client_id text, p_keep_seconds integer)
  returns void
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  begin
    delete from auth.oauth_code_exchanges where expires_at < now();
    insert into auth.oauth_code_exchanges (code_hash, user_id, client_id, expires_at)
    values (p_code_hash, p_user_id, p_client_id, now() + make_interval(secs => least(greatest(p_keep_seconds, 0), 86400)))
    on conflict (code_hash) do nothing;
  end
  $$;

-- The code hashed `p_code_hash` was presented again: if it had been exchanged (and the record
-- has not expired), record the marker that voids every JWT access token its user holds for its
-- client, issued up to now, and forget the record (one marker per code). Returns whether it did.
create function ctxpipe_revoke_oauth_code_reuse(p_code_hash text)
  returns boolean
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    v_user_id text;
    v_client_id text;
  begin
    delete from auth.oauth_code_exchanges
    where code_hash = p_code_hash and expires_at >= now()
    returning user_id, client_id into v_user_id, v_client_id;
    if v_user_id is null then
      return false;
    end if;
    insert into auth.oauth_revocations (user_id, client_id, revoked_at) values (v_user_id, v_client_id, now())
    on conflict (user_id, client_id) do update set revoked_at = greatest(auth.oauth_revocations.revoked_at, excluded.revoked_at);
    return true;
  end
  $$;

revoke all on function ctxpipe_record_oauth_code_exchange(text, text, text, integer) from public;
revoke all on function ctxpipe_revoke_oauth_code_reuse(text) from public;
grant execute on function ctxpipe_record_oauth_code_exchange(text, text, text, integer) to ctxpipe_app;
grant execute on function ctxpipe_revoke_oauth_code_reuse(text) to ctxpipe_app;
