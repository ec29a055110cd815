"""Payouts: claim available balance (locked row, never below zero), then paid or failed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import uuid7
from backbeat.royalties import webhook_events
from backbeat.royalties.accounts import payee_label_sql
from backbeat.royalties.errors import (
    BelowMinimumPayout,
    InsufficientBalance,
    PayoutNotFound,
    SettlementNotAllowed,
    UnknownAsset,
    UnknownPayee,
)
from backbeat.royalties.schemas import PayoutOut
from backbeat.royalties.service.access import Principal, check_may_settle, claimable_payee

PAYOUT_SQL = f"""
select o.id, {payee_label_sql("p")} as payee, o.asset, o.amount, o.status, o.requested_at,
  o.settled_at, o.external_reference, o.failure_reason
from royalties_payouts o join catalog_payees p on p.id = o.payee_id
"""  # noqa: S608 - no input in the text


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def _payout(row: Row[Any]) -> PayoutOut:
    return PayoutOut.model_validate({**row._mapping, "amount": str(row.amount)})


async def get_payout(session: AsyncSession, payout_id: uuid.UUID) -> PayoutOut:
    row = (
        await session.execute(text(PAYOUT_SQL + " where o.id = :id"), {"id": payout_id})
    ).one_or_none()
    if row is None:
        raise PayoutNotFound(f"no payout {payout_id}")
    return _payout(row)


async def list_payouts(session: AsyncSession, *, limit: int = 100) -> list[PayoutOut]:
    """What row-level security lets the caller see (their own; admins: all), newest first."""
    rows = await session.execute(
        text(PAYOUT_SQL + " order by o.id desc limit :limit"), {"limit": limit}
    )
    return [_payout(row) for row in rows.all()]


async def request_payout(
    session: AsyncSession,
    *,
    caller: Principal,
    payee: str | None,
    asset: str,
    amount: int | None,
    minimums: Mapping[str, int],
    assets: Mapping[str, int],
) -> PayoutOut:
    """Moves `amount` (default: all available) of one of the caller's own payees (default: their
    user payee) into payouts-in-flight, under a row lock."""
    claimed_from = await claimable_payee(session, payee, caller)
    if asset not in assets:
        raise UnknownAsset(f"asset {asset!r} is not configured")
    minimum = minimums.get(asset, 1)
    if amount is not None and amount < minimum:
        raise BelowMinimumPayout(
            f"the minimum payout is {minimum} minor units of {asset}", minimum=str(minimum)
        )
    payout_id = uuid7()
    try:
        claimed = (
            await session.execute(
                text(
                    "select royalties_request_payout(:id, :transfer, :payee, :asset, "
                    "cast(:amount as numeric))"
                ),
                {
                    "id": payout_id,
                    "transfer": uuid7(),
                    "payee": claimed_from.id,
                    "asset": asset,
                    "amount": None if amount is None else str(amount),
                },
            )
        ).scalar_one()
    except DBAPIError as error:
        if _sqlstate(error) == "RY001":
            raise InsufficientBalance(f"not enough available {asset} for this payout") from None
        if _sqlstate(error) == "42501":
            raise UnknownPayee("that payee is not yours") from None
        raise
    if int(claimed) < minimum:
        raise BelowMinimumPayout(
            f"the minimum payout is {minimum} minor units of {asset}", minimum=str(minimum)
        )
    payout = await get_payout(session, payout_id)
    await webhook_events.payout_changed(session, "payout.requested", payout)
    return payout


async def settle_payout(
    session: AsyncSession,
    payout_id: uuid.UUID,
    *,
    caller: Principal,
    paid: bool,
    note: str | None,
) -> PayoutOut:
    """requested → paid (money leaves) or failed (money returns to the payee); idempotent."""
    check_may_settle(caller)
    try:
        await session.execute(
            text("select royalties_settle_payout(:id, :transfer, :paid, :note)"),
            {"id": payout_id, "transfer": uuid7(), "paid": paid, "note": note},
        )
    except DBAPIError as error:
        if _sqlstate(error) == "42501":
            raise SettlementNotAllowed("only admins and payout providers settle payouts") from None
        if _sqlstate(error) == "RY002":
            raise PayoutNotFound(f"no payout {payout_id}") from None
        raise
    payout = await get_payout(session, payout_id)
    await webhook_events.payout_changed(session, f"payout.{payout.status}", payout)
    return payout
