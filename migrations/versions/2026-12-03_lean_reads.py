"""Lean reads: the session check runs inside the request's own first statement.

`auth.require_live_session(session_id)` fails with SQLSTATE 28000 when the session is revoked or
expired, and notes the session's activity at one-minute resolution (as the Python check did).
The API calls it in the same statement that switches role and sets the claims, so checking a
bearer token's session costs no round trip of its own. It runs as the owner (SECURITY DEFINER)
and is executable by the API's login role and the request roles only (the login role gets USAGE
on schema auth: the call is parsed before the role switch runs); NULL (anonymous, personal
access tokens) passes.

`identity_own_account()` is `GET /v1/me` in one call: the caller's own account (only the row of
auth.uid(), exactly what row-level security lets a user read of these tables) as UserOut JSON.
It runs as the owner so that its statement is planned once per connection (PL/pgSQL caches it)
instead of re-planning three tables' policies on every request.

Revision ID: 20261203_lean_reads
Revises: 20261122_royalties
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261203_lean_reads"
down_revision: str | None = "20261122_royalties"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUIRE_LIVE_SESSION = """
create function auth.require_live_session(_session uuid) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  _last_active timestamptz;
begin
  if _session is null then
    return;
  end if;
  select last_active_at into _last_active from identity_sessions
   where id = _session and revoked_at is null and expires_at > now();
  if not found then
    raise exception 'The session has been revoked or has expired.' using errcode = '28000';
  end if;
  if _last_active < now() - interval '1 minute' then
    update identity_sessions set last_active_at = now() where id = _session;
  end if;
end $$;
grant usage on schema auth to backbeat_api;
revoke all on function auth.require_live_session(uuid) from public;
grant execute on function auth.require_live_session(uuid)
  to backbeat_api, backbeat_anon, backbeat_user;
"""


OWN_ACCOUNT = """
create function identity_own_account() returns text
language plpgsql stable security definer set search_path = public, pg_temp as $$
begin
  return (select json_build_object(
    'id', u.id, 'email', u.email, 'email_verified', u.email_verified_at is not null,
    'username', u.username, 'display_name', u.display_name, 'avatar_url', u.avatar_url,
    'bio', u.bio, 'roles', u.roles,
    'studio', json_build_object('preferred_genres', u.preferred_genres,
      'default_bpm', u.default_bpm, 'default_key', u.default_key,
      'preferred_lufs_target', u.preferred_lufs_target),
    'mfa_enabled', coalesce(
      (select f.confirmed_at is not null from identity_mfa_totp f where f.user_id = u.id), false),
    'primary_wallet',
      (select w.caip10 from identity_wallets w where w.user_id = u.id and w.is_primary),
    'created_at', u.created_at, 'last_login_at', u.last_login_at)::text
  from identity_users u where u.id = auth.uid());
end $$;
revoke all on function identity_own_account() from public;
grant execute on function identity_own_account() to backbeat_user;
"""


def upgrade() -> None:
    op.execute(REQUIRE_LIVE_SESSION)
    op.execute(OWN_ACCOUNT)
    op.execute("grant select on alembic_version to backbeat_anon")  # /readyz reads as anon


def downgrade() -> None:
    op.execute("drop function if exists identity_own_account()")
    op.execute("drop function if exists auth.require_live_session(uuid)")
    op.execute("revoke usage on schema auth from backbeat_api")
    op.execute("revoke select on alembic_version from backbeat_anon")
