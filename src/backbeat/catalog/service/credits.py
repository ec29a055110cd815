"""Credits: non-monetary contributors (a session musician without a share), listed in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Credit
from backbeat.catalog.schemas import CreditIn, CreditOut
from backbeat.catalog.service import audit
from backbeat.catalog.service.access import owned_track
from backbeat.errors import Unprocessable


async def credits_of(session: AsyncSession, track_id: uuid.UUID) -> list[CreditOut]:
    """A track's credits in their given order (plain rows: replacing them reuses the keys)."""
    rows = await session.execute(
        select(Credit.name, Credit.role, Credit.user_id)
        .where(Credit.track_id == track_id)
        .order_by(Credit.position)
    )
    return [CreditOut(name=name, role=role, user_id=user) for name, role, user in rows]


async def add_credits(
    session: AsyncSession, track_id: uuid.UUID, credits: Sequence[CreditIn]
) -> list[CreditOut]:
    """Write credits at positions 0…n-1; a credited user id must be a real user (else 422)."""
    await _check_users(session, {c.user_id for c in credits if c.user_id is not None})
    session.add_all(
        Credit(track_id=track_id, position=i, name=c.name, role=c.role, user_id=c.user_id)
        for i, c in enumerate(credits)
    )
    await session.flush()
    return [CreditOut(name=c.name, role=c.role, user_id=c.user_id) for c in credits]


async def replace_credits(
    session: AsyncSession, track_id: uuid.UUID, credits: Sequence[CreditIn], *, actor: uuid.UUID
) -> list[CreditOut]:
    """The owner replaces the whole list; a change is audited with the lists before and after."""
    await owned_track(session, track_id, actor, lock=True)
    before = await credits_of(session, track_id)
    await session.execute(delete(Credit).where(Credit.track_id == track_id))
    after = await add_credits(session, track_id, credits)
    if after != before:
        await audit.record(
            session,
            track_id,
            actor=actor,
            action="credits.update",
            before={"credits": [c.model_dump() for c in before]},
            after={"credits": [c.model_dump() for c in after]},
        )
    return after


async def _check_users(session: AsyncSession, user_ids: set[uuid.UUID]) -> None:
    if not user_ids:
        return
    found = await session.scalars(
        text("select id from identity_public_profiles where id = any(:ids)"),
        {"ids": list(user_ids)},
    )
    missing = user_ids - set(found)
    if missing:
        raise Unprocessable(f"no user {', '.join(sorted(map(str, missing)))} to credit")
