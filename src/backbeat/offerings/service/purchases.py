"""Purchases: reserve the next share numbers in order, pay from a balance or settle later.

The purchase comes back from `offerings_buy` itself: the offering's lock is held until the
commit, so every round trip saved inside it is throughput for everyone queued behind.

`offerings_buy` (SECURITY DEFINER, in the migration) does it under the offering's row lock, so
concurrent buyers are served one at a time in arrival order and the public supply is sold
exactly once. A repeated idempotency key returns the first purchase.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import outbox
from backbeat.identity.models import uuid7
from backbeat.offerings.errors import (
    BuyerLimit,
    IdempotencyConflict,
    InsufficientBalance,
    OfferingNotOpen,
    PurchaseExpired,
    SettlementNotAllowed,
    SoldOut,
    UnknownOffering,
    UnknownPurchase,
)
from backbeat.offerings.models import Offering
from backbeat.offerings.schemas import PurchaseIn, PurchaseOut, ShareRef
from backbeat.royalties.service.access import Principal, is_admin

log = logging.getLogger(__name__)

PURCHASE_SQL = """
select p.id, p.offering_id, p.status, p.method, p.amount, p.asset, p.expires_at, p.paid_at,
  p.created_at, p.quantity,
  coalesce((select json_agg(json_build_array(s.token, s.tier) order by s.token)
            from offerings_shares s where s.purchase_id = p.id), '[]') as shares
from offerings_purchases p
"""


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def _message(error: DBAPIError) -> str:
    diag = getattr(error.orig, "diag", None)
    return str(getattr(diag, "message_primary", "") or "")


def purchase_out(row: Row[Any]) -> PurchaseOut:
    return PurchaseOut(
        id=row.id,
        offering_id=row.offering_id,
        status=row.status,
        method=row.method,
        shares=[ShareRef(token=token, tier=tier) for token, tier in row.shares],
        amount=str(row.amount),
        asset=row.asset,
        expires_at=row.expires_at,
        paid_at=row.paid_at,
        created_at=row.created_at,
    )


def _refusal(error: DBAPIError, offering_id: uuid.UUID) -> Exception:
    """The domain error a refusal of `offerings_buy` stands for (or the error itself)."""
    state, message = _sqlstate(error), _message(error)
    if state == "OF404":
        return UnknownOffering(f"no offering {offering_id}")
    if state == "OF001":
        return OfferingNotOpen("This offering has not started (or is not listed).")
    if state == "OF002":
        return OfferingNotOpen("This offering has ended.")
    if state == "OF003":
        return BuyerLimit(message)
    if state == "OF004":
        found = re.match(r"\d+", message)
        remaining = int(found.group()) if found else 0
        return SoldOut(f"Only {remaining} shares remain.", remaining=remaining)
    if state == "RY001":
        return InsufficientBalance(f"Your available balance does not cover it ({message}).")
    return error


async def buy(
    session: AsyncSession,
    offering_id: uuid.UUID,
    body: PurchaseIn,
    *,
    caller: Principal,
    per_buyer: int,
    hold_seconds: int,
) -> tuple[PurchaseOut, bool]:
    """(the purchase, whether this call created it)."""
    try:
        row = (
            await session.execute(
                text(
                    "select created, sold_out, purchase from offerings_buy(:id, :offering, "
                    ":quantity, :key, :method, :limit, :hold, :transfer)"
                ),
                {
                    "id": uuid7(),
                    "offering": offering_id,
                    "quantity": body.quantity,
                    "key": body.idempotency_key,
                    "method": body.method,
                    "limit": per_buyer,
                    "hold": timedelta(seconds=hold_seconds),
                    "transfer": uuid7(),
                },
            )
        ).one()
    except DBAPIError as error:
        raise _refusal(error, offering_id) from None
    stored = row.purchase
    replayed = (uuid.UUID(stored["offering_id"]), stored["quantity"], stored["method"])
    if not row.created and replayed != (offering_id, body.quantity, body.method):
        raise IdempotencyConflict("That idempotency key was used for another purchase.")
    if row.sold_out:
        await announce_sold_out(session, offering_id)
    return PurchaseOut.model_validate(stored), bool(row.created)


async def announce_sold_out(session: AsyncSession, offering_id: uuid.UUID) -> None:
    """The last public share was just reserved: `offering.sold_out` to the offering's creator,
    in this transaction, once per offering (a release and a second sell-out stay silent)."""
    found = (
        await session.execute(
            select(Offering.created_by, Offering.track_id).where(Offering.id == offering_id)
        )
    ).one()
    log.info("offering.sold_out", extra={"offering_id": str(offering_id)})
    await outbox.emit(
        session,
        "offering.sold_out",
        {"offering_id": offering_id, "track_id": found.track_id},
        owner_id=found.created_by,
        key=f"offering:{offering_id}:sold_out",
    )


async def get_purchase(
    session: AsyncSession, purchase_id: uuid.UUID, *, caller: Principal
) -> PurchaseOut:
    """The buyer's own purchase (any for an admin: row-level security decides)."""
    return purchase_out(await _purchase_row(session, purchase_id))


async def _purchase_row(session: AsyncSession, purchase_id: uuid.UUID) -> Row[Any]:
    row = (
        await session.execute(text(PURCHASE_SQL + " where p.id = :id"), {"id": purchase_id})
    ).one_or_none()
    if row is None:
        raise UnknownPurchase(f"no purchase {purchase_id}")
    return row


async def settle(
    session: AsyncSession, purchase_id: uuid.UUID, reference: str, *, caller: Principal
) -> PurchaseOut:
    """reserved → paid: proceeds to the artist, shares minted; idempotent once paid."""
    if not (is_admin(caller) or "purchases:write" in caller.scopes):
        raise SettlementNotAllowed("only admins and payment providers settle purchases")
    try:
        await session.execute(
            text("select offerings_settle_purchase(:id, :transfer, :reference)"),
            {"id": purchase_id, "transfer": uuid7(), "reference": reference},
        )
    except DBAPIError as error:
        if _sqlstate(error) == "42501":
            raise SettlementNotAllowed(
                "only admins and payment providers settle purchases"
            ) from None
        if _sqlstate(error) == "OF404":
            raise UnknownPurchase(f"no purchase {purchase_id}") from None
        if _sqlstate(error) == "OF005":
            raise PurchaseExpired("This reservation expired; its shares were released.") from None
        raise
    return purchase_out(await _purchase_row(session, purchase_id))


async def my_purchases(
    session: AsyncSession, *, caller: Principal, limit: int
) -> list[PurchaseOut]:
    """The caller's purchases, newest first."""
    rows = await session.execute(
        text(PURCHASE_SQL + " where p.buyer_id = :me order by p.id desc limit :limit"),
        {"me": caller.user_id, "limit": limit},
    )
    return [purchase_out(row) for row in rows.all()]
