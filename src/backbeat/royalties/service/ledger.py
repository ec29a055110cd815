"""Reading the ledger as the caller: events, receipts, balances, statements, track earnings.

Every query runs in the request's transaction under row-level security; the use cases also
check ownership themselves (service/access.py) so that a stranger gets a clear 404.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import NotFound
from backbeat.reads import Read, ReadSession
from backbeat.royalties import models
from backbeat.royalties.accounts import payee_label_sql
from backbeat.royalties.allocation import apply_plan
from backbeat.royalties.plans import load_plan
from backbeat.royalties.receipts import receipt_json
from backbeat.royalties.rights import EventInput
from backbeat.royalties.schemas import (
    BalanceOut,
    BalancesOut,
    EarningLine,
    EarningsOut,
    ReceiptOut,
    ReceiptRevisionOut,
    RevenueEventOut,
    StatementLine,
    StatementOut,
    StatementTotal,
)
from backbeat.royalties.service.access import (
    Payee,
    Principal,
    is_admin,
    readable_payee,
)

PAYEE_LABEL = payee_label_sql("p")


def balances_sql(payees: str) -> str:
    """Each payee's balance per asset: available, in payouts, paid out (`payees`: a uuid[])."""
    return f"""
select p.id, {PAYEE_LABEL} as label, a.asset,
  coalesce(sum(b.balance) filter (where a.kind = 'payee'), 0) as available,
  coalesce(sum(b.balance) filter (where a.kind = 'in_payout'), 0) as in_payouts,
  coalesce(sum(b.balance) filter (where a.kind = 'paid_out'), 0) as paid_out
from royalties_accounts a
join catalog_payees p on p.id = a.payee_id
left join royalties_balances b on b.account_id = a.id
where a.payee_id = any({payees})
group by p.id, label, a.asset"""  # noqa: S608 - only fixed SQL fragments are interpolated


BALANCES_SQL = balances_sql("cast(:payees as uuid[])") + " order by label, a.asset"


async def balances(session: AsyncSession, payees: list[uuid.UUID]) -> list[BalanceOut]:
    """available (claimable), in_payouts (requested, not settled), lifetime (all ever earned)."""
    rows = await session.execute(text(BALANCES_SQL), {"payees": payees})
    return [
        BalanceOut(
            payee=row.label,
            asset=row.asset,
            available=str(row.available),
            in_payouts=str(row.in_payouts),
            lifetime=str(row.available + row.in_payouts + row.paid_out),
        )
        for row in rows.all()
    ]


MY_BALANCES_READ = Read(f"""
with rows as ({balances_sql("royalties_payees_of(%(me)s)")})
select json_build_object('balances', coalesce(json_agg(json_build_object(
  'payee', label, 'asset', asset, 'available', available::text,
  'in_payouts', in_payouts::text, 'lifetime', (available + in_payouts + paid_out)::text)
  order by label, asset), '[]'))::text
from rows""")  # noqa: S608 - no input in the text
"""BalancesOut for the caller's user payee and proved wallets, in one statement (the hot read)."""


async def my_balances(read: ReadSession, caller: Principal) -> str:
    """The balances of the caller's user payee and of the wallets they proved, as JSON."""
    found = await read.one(MY_BALANCES_READ, me=caller.user_id)
    return found or '{"balances": []}'


async def payee_balances(session: AsyncSession, ref: str, caller: Principal) -> BalancesOut:
    """One payee's balances: the caller's own payee, or any for an admin."""
    payee = await readable_payee(session, ref, caller)
    return BalancesOut(balances=await balances(session, [payee.id]))


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
    receipts = await session.scalars(
        select(models.Receipt)
        .where(models.Receipt.event_id == event_id)
        .order_by(models.Receipt.revision)
    )
    reference = EventInput(str(event.id), str(event.track_id), event.source, int(event.amount))
    revisions = []
    for receipt in receipts.all():
        stored = await load_plan(session, receipt.plan_id, event.source)
        revisions.append(
            ReceiptRevisionOut(
                revision=receipt.revision,
                transfer_id=receipt.transfer_id,
                plan_id=receipt.plan_id,
                receipt_hash=receipt.receipt_hash,
                created_at=receipt.created_at,
                inputs=stored.inputs(),
                allocation=json.loads(receipt_json(apply_plan(stored.shares, reference))),
            )
        )
    return ReceiptOut(event=event, revisions=revisions)


# Statements --------------------------------------------------------------------------------

STATEMENT_SQL = """
select case when t.kind in ('allocation', 'dividend') then 'earnings'
  when t.kind in ('reversal', 'reallocation') then 'correction'
  when t.kind = 'purchase' then 'purchase' else 'payout' end as line,
  t.track_id, t.source, a.asset, sum(l.amount) as amount, count(*) as transfers
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
select a.asset, sum(l.amount) as amount from royalties_legs l
join royalties_accounts a on a.id = l.account_id
join royalties_transfers t on t.id = l.transfer_id
where a.payee_id = :payee and a.kind = 'payee' and t.posted_at < :start group by a.asset
"""


async def payee_statement(
    session: AsyncSession,
    ref: str,
    caller: Principal,
    start: datetime | None,
    end: datetime | None,
) -> StatementOut:
    """A payee's statement: the caller's own payee, or any for an admin."""
    return await statement(session, await readable_payee(session, ref, caller), start, end)


async def statement(
    session: AsyncSession, payee: Payee, start: datetime | None, end: datetime | None
) -> StatementOut:
    """Lines by track, source and asset (earnings, corrections, payouts) with totals."""
    params = {"payee": payee.id, "start": start, "end": end}
    lines = [
        StatementLine(
            kind=row.line,
            track_id=row.track_id,
            source=row.source,
            asset=row.asset,
            amount=str(row.amount),
            transfers=row.transfers,
        )
        for row in (await session.execute(text(STATEMENT_SQL), params)).all()
    ]
    opening: dict[str, int] = defaultdict(int)
    if start is not None:
        for row in await session.execute(text(OPENING_SQL), params):
            opening[row.asset] = int(row.amount)
    return StatementOut(
        payee=payee.label,
        period_from=start,
        period_to=end,
        lines=lines,
        totals=_totals(lines, opening),
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
            purchases=str(kinds["purchase"]),
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
select a.name, a.kind, {PAYEE_LABEL} as payee, a.asset, sum(l.amount) as amount
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
    caller: Principal,
    start: datetime | None,
    end: datetime | None,
) -> EarningsOut:
    """Who earned what from the track's revenue (owners and admins only)."""
    owner = (
        await session.execute(
            text("select created_by from catalog_tracks where id = :t"), {"t": track_id}
        )
    ).scalar_one_or_none()
    if owner is None or not (owner == caller.user_id or is_admin(caller)):
        raise NotFound(f"no track {track_id} of yours")
    rows = await session.execute(
        text(EARNINGS_SQL), {"track": track_id, "start": start, "end": end}
    )
    revenue: list[EarningLine] = []
    earnings: list[EarningLine] = []
    for row in rows.all():
        is_revenue = row.kind == "revenue"
        line = EarningLine(
            account=row.name,
            payee=row.payee,
            asset=row.asset,
            amount=str(-row.amount if is_revenue else row.amount),
        )
        (revenue if is_revenue else earnings).append(line)
    return EarningsOut(
        track_id=track_id, period_from=start, period_to=end, revenue=revenue, earnings=earnings
    )
