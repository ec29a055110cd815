"""Shares and holders: ownership at any instant from the transfer history, off-chain transfers
between payees, and a user's holdings with what they earned."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.service.access import visible_track
from backbeat.catalog.service.sheets import payee_ids
from backbeat.catalog.shares import InvalidShare, parse_payee
from backbeat.identity.models import uuid7
from backbeat.offerings.errors import InvalidPayee, NotYourShare, UnknownShare
from backbeat.offerings.schemas import (
    EarnedOut,
    HolderOut,
    HoldersOut,
    HoldingOut,
    HoldingsOut,
    ShareRef,
    ShareTransferOut,
)
from backbeat.royalties.accounts import payee_label_sql
from backbeat.royalties.service.access import Principal

LABEL = payee_label_sql("p")
HOLDERS_SQL = f"""
with owners as (
  select distinct on (x.share_id) x.share_id, x.to_payee_id, s.tier
  from offerings_share_transfers x join offerings_shares s on s.id = x.share_id
  where x.track_id = :track and x.at <= :at
  order by x.share_id, x.at desc, x.id desc
)
select {LABEL} as payee, o.tier, count(*) as shares
from owners o join catalog_payees p on p.id = o.to_payee_id
group by p.id, p.user_id, p.wallet, o.tier order by payee, o.tier
"""  # noqa: S608 - only fixed SQL fragments are interpolated


async def holders_at(session: AsyncSession, track_id: uuid.UUID, at: datetime | None) -> HoldersOut:
    """Who held the master's minted shares at `at` (default now), by tier."""
    await visible_track(session, track_id)
    when = at or (await session.execute(text("select now()"))).scalar_one()
    rows = await session.execute(text(HOLDERS_SQL), {"track": track_id, "at": when})
    by_payee: dict[str, dict[str, int]] = defaultdict(dict)
    for payee, tier, shares in rows.all():
        by_payee[payee][str(tier)] = shares
    holders = [
        HolderOut(payee=payee, shares=sum(tiers.values()), tiers=tiers)
        for payee, tiers in sorted(
            by_payee.items(), key=lambda item: (-sum(item[1].values()), item[0])
        )
    ]
    return HoldersOut(
        track_id=track_id, at=when, minted=sum(h.shares for h in holders), holders=holders
    )


async def transfer_share(
    session: AsyncSession, share_id: uuid.UUID, to: str, *, caller: Principal
) -> ShareTransferOut:
    """Moves one minted share of the caller's to another payee (`user:<uuid>` or a wallet)."""
    try:
        target = parse_payee(to)
    except InvalidShare as error:
        raise InvalidPayee(str(error), field="to") from None
    (payee,) = await payee_ids(session, [target])
    transfer_id = uuid7()
    try:
        await session.execute(
            text("select offerings_transfer_share(:share, :to, :id)"),
            {"share": share_id, "to": payee, "id": transfer_id},
        )
    except DBAPIError as error:
        state = getattr(error.orig, "sqlstate", None)
        if state == "42501":
            raise NotYourShare("That share is not yours.") from None
        if state == "OF404":
            raise UnknownShare(f"no minted share {share_id}") from None
        if state == "OF006":
            raise NotYourShare("That payee already holds this share.") from None
        raise
    row = (
        await session.execute(
            text(TRANSFER_SQL),
            {"id": transfer_id},
        )
    ).one()
    return ShareTransferOut(
        id=row.id,
        share_id=row.share_id,
        token=row.token,
        from_payee=row.from_payee,
        to_payee=row.to_payee,
        at=row.at,
    )


TRANSFER_SQL = f"""
select x.id, x.share_id, s.token, x.at, {LABEL} as to_payee,
  (select {payee_label_sql("f")} from catalog_payees f where f.id = x.from_payee_id) as from_payee
from offerings_share_transfers x join offerings_shares s on s.id = x.share_id
join catalog_payees p on p.id = x.to_payee_id where x.id = :id
"""  # noqa: S608 - only fixed SQL fragments are interpolated
HOLDINGS_SQL = f"""
select s.track_id, s.offering_id, {LABEL} as payee, p.id as payee_id,
  json_agg(json_build_array(s.token, s.tier) order by s.token) as shares
from offerings_shares s join catalog_payees p on p.id = s.owner_payee_id
where s.status = 'minted' and s.owner_payee_id = any(royalties_payees_of(:me))
group by s.track_id, s.offering_id, p.id, p.user_id, p.wallet order by s.track_id, payee
"""  # noqa: S608 - only fixed SQL fragments are interpolated
EARNED_SQL = """
select t.track_id, a.payee_id, a.asset, sum(l.amount) as amount
from royalties_legs l join royalties_accounts a on a.id = l.account_id
join royalties_transfers t on t.id = l.transfer_id
where a.payee_id = any(cast(:payees as uuid[])) and a.kind = 'payee'
  and t.track_id = any(cast(:tracks as uuid[]))
  and t.kind in ('allocation', 'reversal', 'reallocation', 'dividend')
group by t.track_id, a.payee_id, a.asset order by a.asset
"""


async def my_holdings(session: AsyncSession, *, caller: Principal) -> HoldingsOut:
    """The caller's minted shares by master and payee, and what that payee earned from the
    master (holders' pools, dividends, and any sheet share it also holds)."""
    rows = (await session.execute(text(HOLDINGS_SQL), {"me": caller.user_id})).all()
    earned: dict[tuple[uuid.UUID, uuid.UUID], list[EarnedOut]] = defaultdict(list)
    if rows:
        for track, payee, asset, amount in await session.execute(
            text(EARNED_SQL),
            {"payees": [r.payee_id for r in rows], "tracks": [r.track_id for r in rows]},
        ):
            earned[(track, payee)].append(EarnedOut(asset=asset, amount=str(amount)))
    return HoldingsOut(
        holdings=[
            HoldingOut(
                track_id=row.track_id,
                offering_id=row.offering_id,
                payee=row.payee,
                shares=[ShareRef(token=token, tier=tier) for token, tier in row.shares],
                earned=earned[(row.track_id, row.payee_id)],
            )
            for row in rows
        ]
    )
