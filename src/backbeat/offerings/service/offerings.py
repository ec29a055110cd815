"""Master IPOs: one per locked master, with its tiers as rows and every share numbered.

The public supply takes tokens 1..public, the artist's reserve the tokens after it (minted to
the artist when the offering starts: at creation when it already has, else by the first
purchase or the minute job, whichever comes first).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.shares import format_percentage
from backbeat.offerings.errors import (
    InvalidOffering,
    OfferingExists,
    TransitionRefused,
    UnknownOffering,
)
from backbeat.offerings.models import Offering, Tier
from backbeat.offerings.schemas import OfferingIn, OfferingOut, OfferingPage, TierOut
from backbeat.offerings.service.masters import ensure_master, has_offering, managed_track
from backbeat.offerings.tiers import (
    DEFAULT_TIERS,
    TierError,
    TierRange,
    TierSpec,
    pool_per_share_percent,
    resolve_tiers,
)
from backbeat.royalties.service.access import Principal

OFFERING_SQL = """
select o.id, o.track_id, o.price, o.asset, o.total_supply, o.artist_reserve, o.starts_at,
  o.ends_at, o.sold_out_at, o.reserve_minted_at,
  count(*) filter (where s.status = 'minted' and s.token <= o.total_supply - o.artist_reserve)
    as sold,
  count(*) filter (where s.status = 'reserved') as reserved,
  count(*) filter (where s.status = 'available' and s.token <= o.total_supply - o.artist_reserve)
    as remaining,
  (select json_agg(json_build_array(t.tier, t.first_token, t.last_token, t.pool_ppm)
     order by t.tier) from offerings_tiers t where t.offering_id = o.id) as tiers
from offerings_offerings o join offerings_shares s on s.offering_id = o.id
"""
GROUP = " group by o.id"


def check_config(body: OfferingIn, assets: Mapping[str, int]) -> list[TierRange]:
    """Every rule of an offering's configuration; the error's `field` names the culprit."""
    if body.asset not in assets:
        raise InvalidOffering(f"asset {body.asset!r} is not configured", field="asset")
    if body.artist_reserve >= body.total_supply:
        raise InvalidOffering(
            "the artist's reserve must leave shares to sell", field="artist_reserve"
        )
    if body.ends_at <= body.starts_at:
        raise InvalidOffering("an offering ends after it starts", field="ends_at")
    if body.tiers:
        specs = [TierSpec(t.count, t.pool) for t in body.tiers]
    else:
        specs = _fit_defaults(body.total_supply)
    try:
        return resolve_tiers(specs, body.total_supply)
    except TierError as error:
        raise InvalidOffering(str(error), field=error.field) from None


def _fit_defaults(total: int) -> list[TierSpec]:
    """The default tiers, cut short for a supply of 100 or fewer shares."""
    specs, left = [], total
    for spec in DEFAULT_TIERS:
        if left <= 0:
            break
        count = None if spec.count is None or spec.count >= left else spec.count
        specs.append(TierSpec(count, spec.pool))
        left -= spec.count or left
    return specs


async def create_offering(
    session: AsyncSession,
    track_id: uuid.UUID,
    body: OfferingIn,
    *,
    caller: Principal,
    assets: Mapping[str, int],
) -> OfferingOut:
    """The master's one offering; it must be locked."""
    await managed_track(session, track_id, caller)
    ranges = check_config(body, assets)
    master = await ensure_master(session, track_id, lock=True)
    if await has_offering(session, track_id):
        raise OfferingExists(f"track {track_id} already has an offering")
    if master.state != "locked":
        raise TransitionRefused(
            f"An offering needs a locked master; this one is {master.state}.",
            state=master.state,
            allowed=[],
        )
    offering = Offering(
        track_id=track_id,
        asset=body.asset,
        price=int(body.price),
        total_supply=body.total_supply,
        artist_reserve=body.artist_reserve,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        created_by=caller.user_id,
    )
    session.add(offering)
    await session.flush()
    for found in ranges:
        session.add(
            Tier(
                offering_id=offering.id,
                tier=found.tier,
                first_token=found.first,
                last_token=found.last,
                pool_ppm=found.pool_ppm,
            )
        )
    await session.flush()
    await _number_shares(session, offering.id, track_id, ranges)
    await session.execute(text("select offerings_mint_reserve(:id)"), {"id": offering.id})
    return await get_offering(session, offering.id)


async def _number_shares(
    session: AsyncSession, offering_id: uuid.UUID, track_id: uuid.UUID, ranges: list[TierRange]
) -> None:
    """Every token of the supply, in one statement."""
    await session.execute(
        text(
            "insert into offerings_shares (id, offering_id, track_id, token, tier) "
            "select gen_random_uuid(), :o, :t, n, r.tier "
            "from unnest(cast(:tiers as int[]), cast(:firsts as int[]), cast(:lasts as int[])) "
            "as r(tier, first, last), generate_series(r.first, r.last) as n order by n"
        ),
        {
            "o": offering_id,
            "t": track_id,
            "tiers": [r.tier for r in ranges],
            "firsts": [r.first for r in ranges],
            "lasts": [r.last for r in ranges],
        },
    )


def offering_out(row: Any) -> OfferingOut:
    tiers = [TierRange(t, first, last, pool) for t, first, last, pool in row.tiers]
    return OfferingOut(
        id=row.id,
        track_id=row.track_id,
        price=str(row.price),
        asset=row.asset,
        total_supply=row.total_supply,
        artist_reserve=row.artist_reserve,
        public_supply=row.total_supply - row.artist_reserve,
        sold=row.sold,
        reserved=row.reserved,
        remaining=row.remaining,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        sold_out_at=row.sold_out_at,
        reserve_minted_at=row.reserve_minted_at,
        tiers=[
            TierOut(
                tier=t.tier,
                first_token=t.first,
                last_token=t.last,
                count=t.count,
                pool=format_percentage(t.pool_ppm),
                per_share=pool_per_share_percent(t),
            )
            for t in tiers
        ],
    )


async def get_offering(session: AsyncSession, offering_id: uuid.UUID) -> OfferingOut:
    row = (
        await session.execute(text(OFFERING_SQL + " where o.id = :id" + GROUP), {"id": offering_id})
    ).one_or_none()
    if row is None:
        raise UnknownOffering(f"no offering {offering_id}")
    return offering_out(row)


async def offering_of_track(session: AsyncSession, track_id: uuid.UUID) -> OfferingOut | None:
    row = (
        await session.execute(
            text(OFFERING_SQL + " where o.track_id = :t" + GROUP), {"t": track_id}
        )
    ).one_or_none()
    return offering_out(row) if row else None


def _cursor(offering_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(offering_id.bytes).decode().rstrip("=")


def _after(cursor: str | None) -> uuid.UUID | None:
    if cursor is None:
        return None
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise InvalidOffering("not a cursor of this listing", field="cursor") from None


async def list_offerings(session: AsyncSession, *, cursor: str | None, limit: int) -> OfferingPage:
    """Newest first, with sold counts; `next_cursor` continues after the last item."""
    after = _after(cursor)
    rows = (
        await session.execute(
            text(
                OFFERING_SQL
                + " where (cast(:after as uuid) is null or o.id < cast(:after as uuid))"
                + GROUP
                + " order by o.id desc limit :limit"
            ),
            {"after": after, "limit": limit + 1},
        )
    ).all()
    items = [offering_out(row) for row in rows[:limit]]
    more = len(rows) > limit
    return OfferingPage(items=items, next_cursor=_cursor(items[-1].id) if more else None)
