"""Restatements: a sheet version that takes effect in the past corrects what was allocated.

For every non-pending split version not yet processed, find the current receipts whose plan
reached that track (plans list their closure) for events at or after its effective instant,
recompute each with the rights in force now; where the plan differs, post a reversal of the
current allocation and a reallocation (receipt revision + 1). Rows are never edited.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.royalties.distribution import (
    DISTRIBUTION_LOCK,
    EventRow,
    Planner,
    allocation_transfer,
    event_row,
    store_plans,
)
from backbeat.royalties.plans import AllocationPlan
from backbeat.royalties.posting import TransferRow, negate, new_id, write_transfers
from backbeat.royalties.snapshot import load_book

PENDING_VERSIONS_SQL = """
select v.id::text from catalog_split_versions v
where v.status <> 'pending'
  and not exists (select 1 from royalties_restatements r where r.split_version_id = v.id)
"""
AFFECTED_SQL = """
with pending as (
  select v.id, v.track_id, v.effective_from from catalog_split_versions v
  where v.status <> 'pending'
    and not exists (select 1 from royalties_restatements r where r.split_version_id = v.id)
)
select v.id::text, e.id::text, e.track_id::text, e.source, e.amount, e.asset, e.occurred_at,
       e.revision, r.plan_id, r.transfer_id::text
from pending v
join royalties_plans p on p.tracks @> array[v.track_id::text]
join royalties_receipts r on r.plan_id = p.id
join royalties_revenue_events e on e.id = r.event_id and e.revision = r.revision
where e.occurred_at >= v.effective_from
order by e.id
for update of e
"""


async def restate_pending(session: AsyncSession, planner: Planner) -> dict[str, int]:
    """Processes every new sheet version in one pass; returns events restated per version."""
    await session.execute(text("select pg_advisory_xact_lock(:key)"), {"key": DISTRIBUTION_LOCK})
    versions = [v for (v,) in await session.execute(text(PENDING_VERSIONS_SQL))]
    affected: dict[str, tuple[EventRow, str, str]] = {}
    per_version: dict[str, set[str]] = defaultdict(set)
    for row in await session.execute(text(AFFECTED_SQL)):
        event = event_row(row[1:8])
        affected[event.id] = (event, row[8], row[9])
        per_version[row[0]].add(event.id)
    restated = await _restate(session, planner, list(affected.values()))
    counts = {v: len(per_version[v] & restated) for v in versions}
    if versions:
        await session.execute(
            text(
                "insert into royalties_restatements (split_version_id, events_restated) "
                "select * from unnest(cast(:ids as uuid[]), cast(:counts as int[]))"
            ),
            {"ids": versions, "counts": list(counts.values())},
        )
    return counts


async def _restate(
    session: AsyncSession, planner: Planner, affected: list[tuple[EventRow, str, str]]
) -> set[str]:
    if not affected:
        return set()
    book = await load_book(
        session, {str(e.track_id) for e, _, _ in affected}, planner.policy.max_depth
    )
    memo: dict[tuple[Any, ...], AllocationPlan] = {}
    changed = []
    for event, old_plan, old_transfer in affected:
        compiled = planner.plan_for(book, event, memo)
        if compiled.id != old_plan:
            changed.append((event, compiled, old_transfer))
    if not changed:
        return set()
    old_legs = await _legs_of(session, [t for _, _, t in changed])
    transfers, receipts = [], []
    for event, compiled, old_transfer in changed:
        transfers.append(
            TransferRow(
                id=new_id(),
                kind="reversal",
                asset=event.asset,
                legs=negate(old_legs[old_transfer]),
                event_id=event.id,
                track_id=event.track_id,
                source=event.source,
            )
        )
        transfer, receipt = allocation_transfer(event, compiled, event.revision + 1, "reallocation")
        transfers.append(transfer)
        receipts.append(receipt)
    await store_plans(session, planner, [c for _, c, _ in changed])
    await write_transfers(session, transfers, receipts, planner.accounts)
    ids = [event.id for event, _, _ in changed]
    await session.execute(
        text(
            "update royalties_revenue_events set revision = revision + 1 "
            "where id = any(cast(:ids as uuid[]))"
        ),
        {"ids": ids},
    )
    return set(ids)


async def _legs_of(session: AsyncSession, transfers: list[Any]) -> dict[Any, list[tuple[str, int]]]:
    rows = await session.execute(
        text(
            "select l.transfer_id::text, a.name, l.amount from royalties_legs l "
            "join royalties_accounts a on a.id = l.account_id "
            "where l.transfer_id = any(cast(:ids as uuid[])) order by l.transfer_id, a.name"
        ),
        {"ids": transfers},
    )
    found: dict[Any, list[tuple[str, int]]] = defaultdict(list)
    for transfer_id, name, amount in rows.all():
        found[transfer_id].append((name, int(amount)))
    return found
