"""OAuth connections to music services: tokens sealed at rest, never returned."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import NotFound
from backbeat.identity.models import OAuthConnection
from backbeat.identity.schemas import ConnectionIn
from backbeat.identity.secretbox import SecretBox


@dataclass(frozen=True)
class ConnectionInfo:
    """What the API tells about a connection: that it exists, its scopes and expiry."""

    provider: str
    provider_account_id: str | None
    scopes: list[str]
    expires_at: datetime | None
    connected_at: datetime
    updated_at: datetime


VISIBLE = (
    OAuthConnection.provider,
    OAuthConnection.provider_account_id,
    OAuthConnection.scopes,
    OAuthConnection.expires_at,
    OAuthConnection.created_at,
    OAuthConnection.updated_at,
)


def _aad(user_id: uuid.UUID, provider: str, field: str) -> bytes:
    """Bind a sealed token to its row and field, so sealed values cannot be swapped."""
    return f"oauth:{user_id}:{provider}:{field}".encode()


async def put_connection(
    session: AsyncSession, box: SecretBox, *, user_id: uuid.UUID, provider: str, data: ConnectionIn
) -> ConnectionInfo:
    """Create or replace the connection (as the user, under row-level security)."""
    refresh = data.refresh_token
    values = {
        "user_id": user_id,
        "provider": provider,
        "provider_account_id": data.provider_account_id,
        "access_token_sealed": box.seal(
            data.access_token.encode(), associated_data=_aad(user_id, provider, "access")
        ),
        "refresh_token_sealed": box.seal(
            refresh.encode(), associated_data=_aad(user_id, provider, "refresh")
        )
        if refresh
        else None,
        "scopes": data.scopes,
        "expires_at": data.expires_at,
    }
    statement = insert(OAuthConnection).values(**values)
    changed = {k: v for k, v in values.items() if k not in ("user_id", "provider")}
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "provider"], set_={**changed, "updated_at": func.now()}
        )
    )
    return await get_connection(session, user_id=user_id, provider=provider)


async def get_connection(
    session: AsyncSession, *, user_id: uuid.UUID, provider: str
) -> ConnectionInfo:
    """One connection's public facts."""
    query = select(*VISIBLE).where(
        OAuthConnection.user_id == user_id, OAuthConnection.provider == provider
    )
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"No {provider} connection.")
    return ConnectionInfo(*row)


async def list_connections(
    session: AsyncSession, *, user_id: uuid.UUID
) -> Sequence[ConnectionInfo]:
    """Every connection of the user."""
    query = (
        select(*VISIBLE)
        .where(OAuthConnection.user_id == user_id)
        .order_by(OAuthConnection.provider)
    )
    return [ConnectionInfo(*row) for row in await session.execute(query)]


async def delete_connection(session: AsyncSession, *, user_id: uuid.UUID, provider: str) -> None:
    """Forget the connection and its tokens."""
    deleted = await session.scalar(
        delete(OAuthConnection)
        .where(OAuthConnection.user_id == user_id, OAuthConnection.provider == provider)
        .returning(OAuthConnection.provider)
    )
    if deleted is None:
        raise NotFound(f"No {provider} connection.")


async def open_tokens(
    session: AsyncSession, box: SecretBox, *, user_id: uuid.UUID, provider: str
) -> tuple[str, str | None]:
    """The decrypted tokens, for jobs that import from the provider (owner session only)."""
    row = await session.get(OAuthConnection, (user_id, provider))
    if row is None:
        raise NotFound(f"No {provider} connection.")
    access = box.open(row.access_token_sealed, associated_data=_aad(user_id, provider, "access"))
    refresh = (
        box.open(row.refresh_token_sealed, associated_data=_aad(user_id, provider, "refresh"))
        if row.refresh_token_sealed
        else None
    )
    return access.decode(), refresh.decode() if refresh else None
