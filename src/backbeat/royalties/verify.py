"""`backbeat royalties verify`: the ledger proves itself.

1. every cached balance equals the sum of its account's legs;
2. every transfer sums to zero per asset;
3. every event's transfers net to its current receipt's transfer (reversals cancel exactly);
4. every receipt is recomputed from its stored inputs with the pure engine: the plan's content
   address, the credits and the hash must all match the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.royalties.accounts import revenue_account
from backbeat.royalties.allocation import SharePlan, apply_plan
from backbeat.royalties.distribution import EventRow, receipt_hash
from backbeat.royalties.plans import load_plan
from backbeat.royalties.rights import EventInput

CHUNK = 20_000


@dataclass
class Report:
    """What verify checked and every discrepancy it found (empty problems: the ledger holds)."""

    accounts: int = 0
    transfers: int = 0
    receipts: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


BALANCES_SQL = """
select a.id, a.name, a.asset, coalesce(b.balance, 0), coalesce(s.total, 0)
from royalties_accounts a
left join royalties_balances b on b.account_id = a.id
left join (select account_id, sum(amount) as total from royalties_legs group by account_id) s
  on s.account_id = a.id
"""
UNBALANCED_SQL = """
select l.transfer_id, a.asset from royalties_legs l join royalties_accounts a on a.id = l.account_id
group by l.transfer_id, a.asset having sum(l.amount) <> 0 limit 20
"""
NETTING_SQL = """
with net as (
  select t.event_id, l.account_id, sum(l.amount) as amount
  from royalties_transfers t join royalties_legs l on l.transfer_id = t.id
  where t.event_id is not null group by t.event_id, l.account_id
), current as (
  select r.event_id, l.account_id, l.amount
  from royalties_revenue_events e
  join royalties_receipts r on r.event_id = e.id and r.revision = e.revision
  join royalties_legs l on l.transfer_id = r.transfer_id
)
select coalesce(n.event_id, c.event_id) from net n
full join current c on c.event_id = n.event_id and c.account_id = n.account_id
where coalesce(n.amount, 0) <> coalesce(c.amount, 0) limit 20
"""


async def verify(session: AsyncSession, progress: Callable[[int], None] | None = None) -> Report:
    """Runs every check in one snapshot (call it in a repeatable-read transaction for that)."""
    report = Report()
    for account_id, name, asset, cached, summed in await session.execute(text(BALANCES_SQL)):
        report.accounts += 1
        if cached != summed:
            report.problems.append(
                f"account {account_id} ({name} {asset}): cached {cached} != legs {summed}"
            )
    for transfer_id, asset in await session.execute(text(UNBALANCED_SQL)):
        report.problems.append(f"transfer {transfer_id} does not sum to zero in {asset}")
    for (event_id,) in await session.execute(text(NETTING_SQL)):
        report.problems.append(f"event {event_id}: transfers do not net to its current receipt")
    report.transfers = int(
        (await session.execute(text("select count(*) from royalties_transfers"))).scalar_one()
    )
    await _verify_receipts(session, report, progress)
    return report


RECEIPTS_SQL = """
select r.event_id, r.revision, r.transfer_id, r.plan_id, r.receipt_hash,
       e.track_id, e.source, e.amount, e.asset, e.occurred_at
from royalties_receipts r join royalties_revenue_events e on e.id = r.event_id
where (r.event_id, r.revision) > (cast(:after_event as uuid), :after_revision)
order by r.event_id, r.revision limit :limit
"""
LEGS_SQL = """
select l.transfer_id, a.name, l.amount from royalties_legs l
join royalties_accounts a on a.id = l.account_id where l.transfer_id = any(cast(:ids as uuid[]))
"""


@dataclass
class _Plans:
    """Stored plans, recompiled from their inputs once per source."""

    compiled: dict[tuple[str, str], SharePlan] = field(default_factory=dict)

    async def get(self, session: AsyncSession, plan: str, source: str, report: Report) -> SharePlan:
        key = (plan, source)
        if key not in self.compiled:
            stored = await load_plan(session, plan, source)
            if stored.content_address() != plan:
                report.problems.append(f"plan {plan}: stored inputs do not hash to its id")
            self.compiled[key] = stored.shares
        return self.compiled[key]


async def _verify_receipts(
    session: AsyncSession, report: Report, progress: Callable[[int], None] | None
) -> None:
    plans = _Plans()
    after: tuple[str, int] = ("00000000-0000-0000-0000-000000000000", 0)
    while True:
        rows = (
            await session.execute(
                text(RECEIPTS_SQL),
                {"after_event": after[0], "after_revision": after[1], "limit": CHUNK},
            )
        ).all()
        if not rows:
            return
        legs: dict[Any, dict[str, int]] = defaultdict(dict)
        for transfer_id, name, amount in await session.execute(
            text(LEGS_SQL), {"ids": [row.transfer_id for row in rows]}
        ):
            legs[transfer_id][name] = int(amount)
        for row in rows:
            await _check_receipt(session, row, legs[row.transfer_id], plans, report)
        report.receipts += len(rows)
        if progress:
            progress(len(rows))
        after = (str(rows[-1].event_id), rows[-1].revision)


async def _check_receipt(
    session: AsyncSession, row: Any, legs: dict[str, int], plans: _Plans, report: Report
) -> None:
    """Recomputes one event's credits from the stored plan inputs and compares."""
    plan = await plans.get(session, row.plan_id, row.source, report)
    event = EventRow(
        str(row.event_id),
        str(row.track_id),
        row.source,
        int(row.amount),
        row.asset,
        row.occurred_at,
    )
    reference = EventInput(event.id, event.track_id, event.source, event.amount)
    allocation = apply_plan(plan, reference)
    credits = [(c.account, c.amount) for c in allocation.credits]
    expected = {revenue_account(event.source): -event.amount, **dict(credits)}
    if legs != expected:
        report.problems.append(f"event {row.event_id} r{row.revision}: ledger differs from receipt")
    if receipt_hash(event, row.revision, row.plan_id, credits) != row.receipt_hash:
        report.problems.append(f"event {row.event_id} r{row.revision}: receipt hash differs")
