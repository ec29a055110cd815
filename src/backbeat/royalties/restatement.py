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

from backbeat.identity.models import uuid7
from backbeat.royalties.distribution import (
    DISTRIBUTION_LOCK,
    CompiledPlan,
    EventRow,
    Planner,
    allocation_transfer,
    event_row,
    store_plans,
)
from backbeat.royalties.posting import TransferRow, negate, write_transfers
from backbeat.royalties.snapshot import load_book

PENDING_VERSIONS_SQL = """
select v.id, v.track_id::text, v.effective_from from catalog_split_versions v
where v.status <> 'pending'
  and not exists (select 1 from royalties_restatements r where r.split_version_id = v.id)
order by v.created_at, v.id
"""
AFFECTED_SQL = """
select e.id, e.track_id, e.source, e.amount, e.asset, e.occurred_at, e.revision,
       r.plan_id, r.transfer_id
from royalties_plans p
join royalties_receipts r on r.plan_id = p.id
join royalties_revenue_events e on e.id = r.event_id and e.revision = r.revision
where p.tracks @> array[cast(:track as text)] and e.occurred_at >= :since
order by e.id
for update of e
"""


async def restate_pending(session: AsyncSession, planner: Planner) -> dict[str, int]:
    """Processes every new sheet version; returns events restated per version id."""
    await session.execute(text("select pg_advisory_xact_lock(:key)"), {"key": DISTRIBUTION_LOCK})
    versions = (await session.execute(text(PENDING_VERSIONS_SQL))).all()
    affected: dict[Any, tuple[EventRow, str, Any]] = {}
    per_version: dict[str, set[Any]] = defaultdict(set)
    for version_id, track, since in versions:
        for row in await session.execute(text(AFFECTED_SQL), {"track": track, "since": since}):
            event = event_row(row[:7])
            affected[event.id] = (event, row[7], row[8])
            per_version[str(version_id)].add(event.id)
    restated = await _restate(session, planner, list(affected.values()))
    counts = {str(v): len(per_version[str(v)] & restated) for v, _, _ in versions}
    if versions:
        await session.execute(
            text(
                "insert into royalties_restatements (split_version_id, events_restated) "
                "select * from unnest(cast(:ids as uuid[]), cast(:counts as int[]))"
            ),
            {"ids": list(counts), "counts": list(counts.values())},
        )
    return counts


async def _restate(
    session: AsyncSession, planner: Planner, affected: list[tuple[EventRow, str, Any]]
) -> set[Any]:
    if not affected:
        return set()
    book = await load_book(
        session, {str(e.track_id) for e, _, _ in affected}, planner.policy.max_depth
    )
    memo: dict[tuple[Any, ...], CompiledPlan] = {}
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
                id=uuid7(),
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
            "select l.transfer_id, a.name, l.amount from royalties_legs l "
            "join royalties_accounts a on a.id = l.account_id "
            "where l.transfer_id = any(cast(:ids as uuid[])) order by l.transfer_id, a.name"
        ),
        {"ids": transfers},
    )
    found: dict[Any, list[tuple[str, int]]] = defaultdict(list)
    for transfer_id, name, amount in rows.all():
        found[transfer_id].append((name, int(amount)))
    return found
