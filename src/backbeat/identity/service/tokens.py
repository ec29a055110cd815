"""Personal access tokens: named, scoped, shown once, stored hashed, revocable."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from backbeat.errors import Forbidden, NotFound
from backbeat.identity import opaque_tokens
from backbeat.identity.models import PersonalAccessToken, User
from backbeat.identity.service.accounts import get_user
from backbeat.identity.service.audit import ClientInfo, record_event
from backbeat.identity.service.context import utcnow

LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedToken:
    """The row, and the token itself (this is the only time anyone sees it)."""

    row: PersonalAccessToken
    token: str


@dataclass(frozen=True)
class TokenOwner:
    """Who a personal access token acts for, and with which scopes."""

    user_id: uuid.UUID
    roles: list[str]
    scopes: list[str]


async def create_token(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    name: str,
    scopes: Sequence[str],
    expires_in_days: int | None,
    client: ClientInfo,
) -> CreatedToken:
    """Mint a bbp_ token; the admin scope needs an admin."""
    user = await get_user(session, user_id)
    if "admin" in scopes and "admin" not in user.roles:
        raise Forbidden("Only an admin can create a token with the admin scope.")
    opaque = opaque_tokens.new_opaque_token(opaque_tokens.PERSONAL_ACCESS_PREFIX)
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    row = PersonalAccessToken(
        user_id=user.id,
        name=name,
        scopes=sorted(set(scopes)),
        token_hash=opaque.sha256_hex,
        hint=opaque.token[:8] + "…" + opaque.token[-4:],
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    await record_event(
        session,
        "personal_access_token_created",
        user_id=user.id,
        client=client,
        token_id=str(row.id),
    )
    return CreatedToken(row, opaque.token)


PUBLIC_FIELDS = load_only(
    PersonalAccessToken.id,
    PersonalAccessToken.user_id,
    PersonalAccessToken.name,
    PersonalAccessToken.scopes,
    PersonalAccessToken.hint,
    PersonalAccessToken.created_at,
    PersonalAccessToken.last_used_at,
    PersonalAccessToken.expires_at,
    PersonalAccessToken.revoked_at,
)
"""Every column but the hash, which the API role cannot read."""


async def list_tokens(
    session: AsyncSession, *, user_id: uuid.UUID
) -> Sequence[PersonalAccessToken]:
    """The caller's tokens, newest first, without their hashes."""
    query = (
        select(PersonalAccessToken)
        .options(PUBLIC_FIELDS)
        .where(PersonalAccessToken.user_id == user_id)
        .order_by(PersonalAccessToken.created_at.desc())
    )
    return (await session.scalars(query)).all()


async def revoke_token(session: AsyncSession, *, user_id: uuid.UUID, token_id: uuid.UUID) -> None:
    """Revoke one token (404 for someone else's, which RLS hides anyway)."""
    revoked = await session.scalar(
        update(PersonalAccessToken)
        .where(
            PersonalAccessToken.id == token_id,
            PersonalAccessToken.user_id == user_id,
            PersonalAccessToken.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
        .returning(PersonalAccessToken.id)
    )
    if revoked is None:
        raise NotFound("No such active token.")


async def owner_of(session: AsyncSession, token: str) -> TokenOwner | None:
    """Resolve a live bbp_ token (owner session) and note when it was last used."""
    row = (
        await session.execute(
            select(PersonalAccessToken, User.roles)
            .join(User, User.id == PersonalAccessToken.user_id)
            .where(
                PersonalAccessToken.token_hash == opaque_tokens.hash_opaque_token(token),
                PersonalAccessToken.revoked_at.is_(None),
            )
        )
    ).first()
    if row is None:
        return None
    pat, roles = row
    now = utcnow()
    if pat.expires_at is not None and pat.expires_at <= now:
        return None
    if pat.last_used_at is None or now - pat.last_used_at > LAST_USED_RESOLUTION:
        pat.last_used_at = now
    return TokenOwner(user_id=pat.user_id, roles=list(roles), scopes=list(pat.scopes))
