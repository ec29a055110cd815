"""The webhook events royalties writes through billing's outbox (docs/webhooks.md):
`revenue.allocated` to the track's creator, `payout.*` to the payee's user (else the requester).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import outbox
from backbeat.royalties.posting import TransferRow
from backbeat.royalties.schemas import PayoutOut

if TYPE_CHECKING:
    from backbeat.royalties.distribution import EventRow


async def revenue_allocated(
    session: AsyncSession, events: Sequence[EventRow], transfers: Sequence[TransferRow]
) -> None:
    """One event per allocated revenue event, written in the batch's one round trip."""
    if not await outbox.wanted(session, "revenue.allocated"):
        return
    rows = await session.execute(
        text(
            "select id::text, created_by from catalog_tracks where id = any(cast(:ids as uuid[]))"
        ),
        {"ids": sorted({e.track_id for e in events})},
    )
    creators: dict[str, uuid.UUID] = {row[0]: row[1] for row in rows.all()}
    emissions = [
        outbox.Emission(
            {
                "revenue_event_id": event.id,
                "track_id": event.track_id,
                "source": event.source,
                "asset": event.asset,
                "amount": str(event.amount),
                "occurred_at": event.occurred_at,
                "transfer_id": transfer.id,
            },
            creators.get(event.track_id),
        )
        for event, transfer in zip(events, transfers, strict=True)
    ]
    await outbox.emit_many(session, "revenue.allocated", emissions)


async def payout_changed(session: AsyncSession, event_type: str, payout: PayoutOut) -> None:
    """payout.requested / paid / failed, at most once each per payout (keyed by its id)."""
    owner: uuid.UUID | None = await session.scalar(
        text(
            "select coalesce(p.user_id, o.requested_by) from royalties_payouts o "
            "join catalog_payees p on p.id = o.payee_id where o.id = :id"
        ),
        {"id": payout.id},
    )
    data = payout.model_dump(mode="json")
    await outbox.emit(session, event_type, data, owner_id=owner, key=f"payout:{payout.id}")
