"""The own account and public profiles as JSON built by PostgreSQL (the hot identity reads)."""

from __future__ import annotations

from backbeat.errors import NotFound
from backbeat.reads import Read, ReadSession

ME_READ = Read("select identity_own_account()")
"""UserOut of auth.uid() in one call (see migration 20261203_lean_reads): the caller's own row,
MFA state and primary wallet, planned once per connection rather than on every request."""

PUBLIC_PROFILE_READ = Read("""select json_build_object('id', p.id, 'username', p.username,
  'display_name', p.display_name, 'avatar_url', p.avatar_url, 'bio', p.bio, 'roles', p.roles,
  'created_at', p.created_at)::text
from identity_public_profiles p where lower(p.username) = lower(%(username)s)""")
"""PublicProfile through the view anonymous callers may read."""


async def read_me(read: ReadSession) -> str:
    """The caller's own account, private fields included, as UserOut JSON."""
    found = await read.one(ME_READ)
    if found is None:
        raise NotFound("No such user.")
    return found


async def read_public_profile(read: ReadSession, username: str) -> str:
    """Anyone's public profile, as PublicProfile JSON."""
    found = await read.one(PUBLIC_PROFILE_READ, username=username)
    if found is None:
        raise NotFound(f"No user named {username!r}.")
    return found
