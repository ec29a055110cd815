"""The own account and public profiles as JSON built by PostgreSQL (the hot identity reads)."""

from __future__ import annotations

import uuid

from backbeat.errors import NotFound
from backbeat.reads import Read, ReadSession

ME_READ = Read("""select json_build_object(
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
from identity_users u where u.id = %(user_id)s""")
"""UserOut in one statement; row-level security lets a user read only their own rows."""

PUBLIC_PROFILE_READ = Read("""select json_build_object('id', p.id, 'username', p.username,
  'display_name', p.display_name, 'avatar_url', p.avatar_url, 'bio', p.bio, 'roles', p.roles,
  'created_at', p.created_at)::text
from identity_public_profiles p where lower(p.username) = lower(%(username)s)""")
"""PublicProfile through the view anonymous callers may read."""


async def read_me(read: ReadSession, user_id: uuid.UUID) -> str:
    """The caller's own account, private fields included, as UserOut JSON."""
    found = await read.one(ME_READ, user_id=user_id)
    if found is None:
        raise NotFound("No such user.")
    return found


async def read_public_profile(read: ReadSession, username: str) -> str:
    """Anyone's public profile, as PublicProfile JSON."""
    found = await read.one(PUBLIC_PROFILE_READ, username=username)
    if found is None:
        raise NotFound(f"No user named {username!r}.")
    return found
