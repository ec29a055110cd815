"""Dividends: an amount divided among a master's current holders pro rata by minted shares.

The holders are read under the offering's row lock (transfers take it too), divided exactly
(offerings/prorata.py) and paid in one ledger transfer of kind `dividend` by
`offerings_pay_dividend`: from the artist's available balance, or, for an admin, from outside
(`revenue:dividend`, as chain deposits will). Holders see it in balances and statements and
claim it with the existing payouts.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import uuid7
from backbeat.offerings.errors import (
    IdempotencyConflict,
    InsufficientBalance,
    InvalidOffering,
    NoHolders,
    NotYourMaster,
)
from backbeat.offerings.prorata import dividend_receipt, receipt_hash, split_pro_rata
from backbeat.offerings.schemas import DividendIn, DividendLine, DividendOut
from backbeat.offerings.service.masters import managed_track
from backbeat.royalties.accounts import PAYEE_PREFIX, payee_account, payee_label_sql
from backbeat.royalties.service.access import Principal, is_admin

DIVIDEND_SQL = """
select d.id, d.track_id, d.amount, d.asset, d.funding, d.transfer_id, d.receipt_hash,
  d.receipt, d.created_at, d.body_hash, d.created_by from offerings_dividends d
"""

LABELS_SQL = f"""
select p.id::text, {payee_label_sql("p")} from catalog_payees p
where p.id = any(cast(:ids as uuid[]))
"""  # noqa: S608 - only fixed SQL fragments are interpolated


def _body_hash(track_id: uuid.UUID, body: DividendIn) -> str:
    return hashlib.sha256(f"{track_id}|{body.amount}|{body.asset}".encode()).hexdigest()


async def _labels(session: AsyncSession, accounts: list[str]) -> dict[str, str]:
    ids = [account.removeprefix(PAYEE_PREFIX) for account in accounts]
    rows = await session.execute(text(LABELS_SQL), {"ids": ids})
    return {payee_account(payee): label for payee, label in rows.all()}


async def dividend_out(session: AsyncSession, row: Any) -> DividendOut:
    lines = row.receipt["lines"]
    labels = await _labels(session, [line[0] for line in lines])
    return DividendOut(
        id=row.id,
        track_id=row.track_id,
        amount=str(row.amount),
        asset=row.asset,
        funding=row.funding,
        transfer_id=row.transfer_id,
        receipt_hash=row.receipt_hash,
        lines=[
            DividendLine(payee=labels.get(account, account), shares=shares, amount=credit)
            for account, shares, _, credit in lines
        ],
        created_at=row.created_at,
    )


async def pay_dividend(
    session: AsyncSession,
    track_id: uuid.UUID,
    body: DividendIn,
    *,
    caller: Principal,
    assets: dict[str, int],
) -> tuple[DividendOut, bool]:
    """(the dividend, whether this call paid it); a repeated key returns the first one."""
    await managed_track(session, track_id, caller)
    if body.asset not in assets:
        raise InvalidOffering(f"asset {body.asset!r} is not configured", field="asset")
    digest = _body_hash(track_id, body)
    replay = await _replay(session, caller.user_id, body.idempotency_key, digest)
    if replay is not None:
        return replay, False
    holders = (
        await session.execute(text("select * from offerings_lock_holders(:t)"), {"t": track_id})
    ).all()
    if not holders:
        raise NoHolders("This master has no minted shares to pay.")
    dividend_id, amount = uuid7(), int(body.amount)
    lines = split_pro_rata(
        amount, [(payee_account(p), int(n)) for p, n in holders], salt=str(dividend_id)
    )
    receipt = dividend_receipt(str(dividend_id), str(track_id), amount, body.asset, lines)
    paid = [line for line in lines if line.credit]
    await _post(session, dividend_id, track_id, body, digest, paid, receipt, caller)
    found = await _replay(session, caller.user_id, body.idempotency_key, digest)
    assert found is not None
    return found, True


async def _post(
    session: AsyncSession,
    dividend_id: uuid.UUID,
    track_id: uuid.UUID,
    body: DividendIn,
    digest: str,
    paid: list[Any],
    receipt: dict[str, Any],
    caller: Principal,
) -> None:
    try:
        await session.execute(
            text(
                "select offerings_pay_dividend(:id, :track, cast(:amount as numeric), :asset, "
                ":funding, :key, :hash, :transfer, cast(:payees as uuid[]), "
                "cast(:amounts as numeric[]), cast(:receipt as jsonb), :receipt_hash)"
            ),
            {
                "id": dividend_id,
                "track": track_id,
                "amount": body.amount,
                "asset": body.asset,
                "funding": "external" if is_admin(caller) else "balance",
                "key": body.idempotency_key,
                "hash": digest,
                "transfer": uuid7(),
                "payees": [line.account.removeprefix(PAYEE_PREFIX) for line in paid],
                "amounts": [str(line.credit) for line in paid],
                "receipt": json.dumps(receipt),
                "receipt_hash": receipt_hash(receipt),
            },
        )
    except DBAPIError as error:
        state = getattr(error.orig, "sqlstate", None)
        if state == "RY001":
            raise InsufficientBalance(
                f"Your available {body.asset} balance does not cover this dividend."
            ) from None
        if state == "42501":
            raise NotYourMaster("Only the artist or an admin pays dividends.") from None
        raise


async def _replay(
    session: AsyncSession, creator: uuid.UUID, key: str, digest: str
) -> DividendOut | None:
    row = (
        await session.execute(
            text(DIVIDEND_SQL + " where d.created_by = :me and d.idempotency_key = :key"),
            {"me": creator, "key": key},
        )
    ).one_or_none()
    if row is None:
        return None
    if row.body_hash != digest:
        raise IdempotencyConflict("That idempotency key was used for another dividend.")
    return await dividend_out(session, row)


async def list_dividends(
    session: AsyncSession, track_id: uuid.UUID, *, caller: Principal
) -> list[DividendOut]:
    """The master's dividends, newest first (the artist and admins)."""
    await managed_track(session, track_id, caller)
    rows = await session.execute(
        text(DIVIDEND_SQL + " where d.track_id = :t order by d.id desc"), {"t": track_id}
    )
    return [await dividend_out(session, row) for row in rows.all()]
