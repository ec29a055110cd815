"""Reading the ledger as the caller: events, receipts, balances, statements, track earnings.

Every query runs in the request's transaction under row-level security; the service also
checks ownership itself so that a stranger gets a clear 404.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.shares import parse_payee
from backbeat.errors import NotFound
from backbeat.royalties.accounts import payee_label_sql
from backbeat.royalties.allocation import apply_plan
from backbeat.royalties.errors import UnknownPayee
from backbeat.royalties.plans import load_plan
from backbeat.royalties.receipts import receipt_json
from backbeat.royalties.rights import EventInput
from backbeat.royalties.schemas import (
    BalanceOut,
    EarningLine,
    EarningsOut,
    ReceiptOut,
    ReceiptRevisionOut,
    RevenueEventOut,
    StatementLine,
    StatementOut,
    StatementTotal,
)

PAYEE_LABEL = payee_label_sql("p")


async def resolve_payee(
    session: AsyncSession, ref: str, *, user_id: uuid.UUID, is_admin: bool
) -> tuple[uuid.UUID, str]:
    """A payee id, `user:<uuid>` or a wallet → (payee id, label), if it is the caller's."""
    try:
        payee_id: uuid.UUID | None = uuid.UUID(ref)
        where, value = "p.id = cast(:v as uuid)", str(payee_id)
    except ValueError:
        try:
            parsed = parse_payee(ref)
        except ValueError:
            raise UnknownPayee(f"{ref!r} is not a payee") from None
        if parsed.user_id:
            where, value = "p.user_id = cast(:v as uuid)", str(parsed.user_id)
        else:
            where, value = "p.wallet = :v", str(parsed.wallet)
    row = (
        await session.execute(
            text(
                f"select p.id, {PAYEE_LABEL}, p.id = any(royalties_payees_of(:me)) "  # noqa: S608
                f"from catalog_payees p where {where}"
            ),
            {"v": value, "me": user_id},
        )
    ).one_or_none()
    if row is None or not (row[2] or is_admin):
        raise UnknownPayee(f"no payee {ref!r} of yours")
    return row[0], row[1]


BALANCES_SQL = f"""
select p.id, {PAYEE_LABEL} as label, a.asset,
  coalesce(sum(b.balance) filter (where a.kind = 'payee'), 0),
  coalesce(sum(b.balance) filter (where a.kind = 'in_payout'), 0),
  coalesce(sum(b.balance) filter (where a.kind = 'paid_out'), 0)
from royalties_accounts a
join catalog_payees p on p.id = a.payee_id
left join royalties_balances b on b.account_id = a.id
where a.payee_id = any(cast(:payees as uuid[]))
group by p.id, label, a.asset order by label, a.asset
"""  # noqa: S608 - no input in the text


async def balances(session: AsyncSession, payees: list[uuid.UUID]) -> list[BalanceOut]:
    """available (claimable), in_payouts (requested, not settled), lifetime (all ever earned)."""
    rows = await session.execute(text(BALANCES_SQL), {"payees": payees})
    return [
        BalanceOut(
            payee=label,
            asset=asset,
            available=str(available),
            in_payouts=str(pending),
            lifetime=str(available + pending + paid),
        )
        for _, label, asset, available, pending, paid in rows.all()
    ]


async def my_payees(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The user's own payee and the wallets they proved."""
    found = await session.execute(text("select royalties_payees_of(:me)"), {"me": user_id})
    return list(found.scalar_one() or [])


# Events and receipts -----------------------------------------------------------------------


async def get_event(session: AsyncSession, event_id: uuid.UUID) -> RevenueEventOut:
    row = (
        (
            await session.execute(
                text(
                    "select id, idempotency_key, track_id, source, amount, asset, occurred_at, "
                    "territory, reference, status, revision, created_at, allocated_at "
                    "from royalties_revenue_events where id = :id"
                ),
                {"id": event_id},
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"no revenue event {event_id}")
    return RevenueEventOut(**{**row, "amount": str(row["amount"])})


async def get_receipt(session: AsyncSession, event_id: uuid.UUID) -> ReceiptOut:
    """Every allocation of the event with its stored inputs, recomputed by the pure engine."""
    event = await get_event(session, event_id)
    rows = await session.execute(
        text(
            "select revision, transfer_id, plan_id, receipt_hash, created_at "
            "from royalties_receipts where event_id = :id order by revision"
        ),
        {"id": event_id},
    )
    revisions = []
    for revision, transfer_id, plan_id, digest, created_at in rows.all():
        stored = await load_plan(session, plan_id, event.source)
        reference = EventInput(str(event.id), str(event.track_id), event.source, int(event.amount))
        allocation = apply_plan(stored.shares, reference)
        inputs = stored.inputs()
        revisions.append(
            ReceiptRevisionOut(
                revision=revision,
                transfer_id=transfer_id,
                plan_id=plan_id,
                receipt_hash=digest,
                created_at=created_at,
                inputs=inputs,
                allocation=json.loads(receipt_json(allocation)),
            )
        )
    return ReceiptOut(event=event, revisions=revisions)


# Statements --------------------------------------------------------------------------------

STATEMENT_SQL = """
select case when t.kind = 'allocation' then 'earnings'
  when t.kind in ('reversal', 'reallocation') then 'correction' else 'payout' end as line,
  t.track_id, t.source, a.asset, sum(l.amount), count(*)
from royalties_legs l
join royalties_accounts a on a.id = l.account_id
join royalties_transfers t on t.id = l.transfer_id
where a.payee_id = :payee and a.kind = 'payee'
  and (cast(:start as timestamptz) is null or t.posted_at >= :start)
  and (cast(:end as timestamptz) is null or t.posted_at < :end)
group by line, t.track_id, t.source, a.asset
order by a.asset, line, t.track_id nulls last, t.source
"""
OPENING_SQL = """
select a.asset, sum(l.amount) from royalties_legs l
join royalties_accounts a on a.id = l.account_id
join royalties_transfers t on t.id = l.transfer_id
where a.payee_id = :payee and a.kind = 'payee' and t.posted_at < :start group by a.asset
"""


async def statement(
    session: AsyncSession,
    payee_id: uuid.UUID,
    label: str,
    start: datetime | None,
    end: datetime | None,
) -> StatementOut:
    """Lines by track, source and asset (earnings, corrections, payouts) with totals."""
    params = {"payee": payee_id, "start": start, "end": end}
    lines = [
        StatementLine(
            kind=kind,
            track_id=track,
            source=source,
            asset=asset,
            amount=str(amount),
            transfers=count,
        )
        for kind, track, source, asset, amount, count in (
            await session.execute(text(STATEMENT_SQL), params)
        ).all()
    ]
    opening: dict[str, int] = defaultdict(int)
    if start is not None:
        for asset, amount in await session.execute(text(OPENING_SQL), params):
            opening[asset] = int(amount)
    return StatementOut(
        payee=label, period_from=start, period_to=end, lines=lines, totals=_totals(lines, opening)
    )


def _totals(lines: list[StatementLine], opening: dict[str, int]) -> list[StatementTotal]:
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in lines:
        sums[line.asset][line.kind] += int(line.amount)
    for asset in opening:
        sums[asset]["earnings"] += 0
    return [
        StatementTotal(
            asset=asset,
            opening=str(opening[asset]),
            earnings=str(kinds["earnings"]),
            corrections=str(kinds["correction"]),
            payouts=str(kinds["payout"]),
            closing=str(opening[asset] + sum(kinds.values())),
        )
        for asset, kinds in sorted(sums.items())
    ]


def statement_csv(found: StatementOut) -> str:
    """The statement as CSV: one row per line, then one total row per asset."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kind", "track_id", "source", "asset", "amount", "transfers"])
    for line in found.lines:
        writer.writerow(
            [
                line.kind,
                line.track_id or "",
                line.source or "",
                line.asset,
                line.amount,
                line.transfers,
            ]
        )
    for total in found.totals:
        writer.writerow(["opening", "", "", total.asset, total.opening, ""])
        writer.writerow(["closing", "", "", total.asset, total.closing, ""])
    return out.getvalue()


# Track earnings ----------------------------------------------------------------------------

EARNINGS_SQL = f"""
select a.name, a.kind, {PAYEE_LABEL}, a.asset, sum(l.amount)
from royalties_transfers t
join royalties_legs l on l.transfer_id = t.id
join royalties_accounts a on a.id = l.account_id
left join catalog_payees p on p.id = a.payee_id
where t.track_id = :track and t.kind in ('allocation', 'reversal', 'reallocation')
  and (cast(:start as timestamptz) is null or t.posted_at >= :start)
  and (cast(:end as timestamptz) is null or t.posted_at < :end)
group by a.name, a.kind, p.user_id, p.wallet, a.asset order by a.asset, a.name
"""  # noqa: S608 - no input in the text


async def track_earnings(
    session: AsyncSession,
    track_id: uuid.UUID,
    *,
    user_id: uuid.UUID,
    is_admin: bool,
    start: datetime | None,
    end: datetime | None,
) -> EarningsOut:
    """Who earned what from the track's revenue (owners and admins only)."""
    owner = (
        await session.execute(
            text("select created_by from catalog_tracks where id = :t"), {"t": track_id}
        )
    ).scalar_one_or_none()
    if owner is None or not (owner == user_id or is_admin):
        raise NotFound(f"no track {track_id} of yours")
    rows = await session.execute(
        text(EARNINGS_SQL), {"track": track_id, "start": start, "end": end}
    )
    revenue: list[EarningLine] = []
    earnings: list[EarningLine] = []
    for name, kind, label, asset, amount in rows.all():
        line = EarningLine(
            account=name,
            payee=label,
            asset=asset,
            amount=str(amount if kind != "revenue" else -amount),
        )
        (revenue if kind == "revenue" else earnings).append(line)
    return EarningsOut(
        track_id=track_id, period_from=start, period_to=end, revenue=revenue, earnings=earnings
    )
