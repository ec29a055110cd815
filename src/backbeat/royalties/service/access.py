"""Who may do what in royalties: the caller as the use cases see it, admins, and one's payees.

The use cases check first, to answer with a clear 403 or 404; row-level security and the payout
functions check again inside PostgreSQL.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.identifiers import uuid_or_none
from backbeat.catalog.shares import parse_payee
from backbeat.royalties.accounts import own_payee, payee_label_sql
from backbeat.royalties.errors import RevenueNotAllowed, SettlementNotAllowed, UnknownPayee


class Principal(Protocol):
    """The authenticated caller (identity's `Caller`), without the HTTP layer it comes from."""

    @property
    def user_id(self) -> uuid.UUID: ...

    @property
    def role(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def scopes(self) -> tuple[str, ...]: ...


def is_admin(caller: Principal) -> bool:
    """An admin's session, or an admin's personal access token carrying the `admin` scope."""
    if caller.role != "admin":
        return False
    return caller.kind != "personal_access" or "admin" in caller.scopes


def check_may_post_revenue(caller: Principal) -> None:
    """Admins and tokens with `revenue:write` post revenue (the insert policy agrees)."""
    if not (is_admin(caller) or "revenue:write" in caller.scopes):
        raise RevenueNotAllowed("Posting revenue needs an admin or the `revenue:write` scope.")


def check_may_settle(caller: Principal) -> None:
    """Admins and payout providers (`payouts:write`) settle payouts (so does the SQL function)."""
    if not (is_admin(caller) or "payouts:write" in caller.scopes):
        raise SettlementNotAllowed("only admins and payout providers settle payouts")


class Payee(NamedTuple):
    """A catalog payee: its id, and its label as the API writes it (`user:<uuid>` or a wallet)."""

    id: uuid.UUID
    label: str


def _payee_filter(ref: str) -> tuple[str, str]:
    """A payee id, `user:<uuid>` or a wallet → the (fixed) condition and its value."""
    payee_id = uuid_or_none(ref)
    if payee_id is not None:
        return "p.id = cast(:v as uuid)", str(payee_id)
    try:
        parsed = parse_payee(ref)
    except ValueError:
        raise UnknownPayee(f"{ref!r} is not a payee") from None
    if parsed.user_id:
        return "p.user_id = cast(:v as uuid)", str(parsed.user_id)
    return "p.wallet = :v", str(parsed.wallet)


async def _payee(session: AsyncSession, ref: str, user_id: uuid.UUID, *, any_payee: bool) -> Payee:
    where, value = _payee_filter(ref)
    found = await session.execute(
        text(
            f"select p.id, {payee_label_sql('p')} as label, "  # noqa: S608 - fixed conditions
            f"p.id = any(royalties_payees_of(:me)) as mine from catalog_payees p where {where}"
        ),
        {"v": value, "me": user_id},
    )
    row = found.one_or_none()
    if row is None or not (row.mine or any_payee):
        raise UnknownPayee(f"no payee {ref!r} of yours")
    return Payee(row.id, row.label)


async def readable_payee(session: AsyncSession, ref: str, caller: Principal) -> Payee:
    """A payee whose ledger the caller may read: one of theirs, or any for an admin."""
    return await _payee(session, ref, caller.user_id, any_payee=is_admin(caller))


async def claimable_payee(session: AsyncSession, ref: str | None, caller: Principal) -> Payee:
    """A payee the caller may claim from: their own only, admins too (default: their user)."""
    return await _payee(session, ref or own_payee(caller.user_id), caller.user_id, any_payee=False)


async def my_payees(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The user's own payee and the wallets they proved."""
    found = await session.execute(text("select royalties_payees_of(:me)"), {"me": user_id})
    return list(found.scalar_one() or [])
