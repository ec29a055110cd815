"""Small factories: users, tracks, payees, sheet versions, lineage edges and revenue events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import LineageEdge, Payee, SplitEntry, SplitVersion, Track
from backbeat.identity.models import User, Wallet
from backbeat.royalties.models import RevenueEvent

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


async def make_user(session: AsyncSession, *, roles: Sequence[str] = ("artist",)) -> User:
    user = User(username=f"u_{uuid.uuid4().hex[:12]}", roles=list(roles))
    session.add(user)
    await session.flush()
    return user


async def make_track(session: AsyncSession, owner: User, *, isrc: str | None = None) -> Track:
    track = Track(title="Song", artist="Artist", sample_type="song", created_by=owner.id, isrc=isrc)
    session.add(track)
    await session.flush()
    return track


async def user_payee(session: AsyncSession, user: User) -> Payee:
    found = (
        await session.execute(
            text("select id from catalog_payees where user_id = :u"), {"u": user.id}
        )
    ).scalar_one_or_none()
    if found is not None:
        payee = await session.get(Payee, found)
        assert payee is not None
        return payee
    payee = Payee(user_id=user.id)
    session.add(payee)
    await session.flush()
    return payee


async def wallet_payee(session: AsyncSession, wallet: str) -> Payee:
    payee = Payee(wallet=wallet)
    session.add(payee)
    await session.flush()
    return payee


async def prove_wallet(session: AsyncSession, user: User, wallet: str) -> None:
    session.add(Wallet(caip10=wallet, user_id=user.id))
    await session.flush()


async def make_sheet(
    session: AsyncSession,
    track: Track,
    sheet: str,
    entries: Sequence[tuple[Payee, int]],
    *,
    effective_from: datetime = EPOCH,
    version: int | None = None,
) -> SplitVersion:
    """An active version with its entries (shares in ppm, summing to 1,000,000)."""
    if version is None:
        count = await session.execute(
            text("select count(*) from catalog_split_versions where track_id = :t and sheet = :s"),
            {"t": track.id, "s": sheet},
        )
        version = int(count.scalar_one()) + 1
    row = SplitVersion(
        track_id=track.id,
        sheet=sheet,
        version=version,
        effective_from=effective_from,
        status="active",
    )
    session.add(row)
    await session.flush()
    for position, (payee, share) in enumerate(entries):
        session.add(
            SplitEntry(
                version_id=row.id,
                position=position,
                payee_id=payee.id,
                role="other",
                share_ppm=share,
            )
        )
    await session.flush()
    return row


async def make_edge(
    session: AsyncSession, child: Track, parent: Track, share_ppm: int, kind: str = "remix"
) -> None:
    session.add(LineageEdge(child_id=child.id, parent_id=parent.id, kind=kind, share_ppm=share_ppm))
    await session.flush()


async def make_event(
    session: AsyncSession,
    track: Track,
    amount: int,
    *,
    source: str = "stream",
    asset: str = "USD",
    occurred_at: datetime = EPOCH,
    key: str | None = None,
) -> RevenueEvent:
    event = RevenueEvent(
        submitted_by="test",
        idempotency_key=key or uuid.uuid4().hex,
        body_hash="-",
        track_id=track.id,
        source=source,
        amount=amount,
        asset=asset,
        occurred_at=occurred_at,
    )
    session.add(event)
    await session.flush()
    return event
