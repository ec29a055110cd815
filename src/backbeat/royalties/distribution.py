"""The batch engine: accepted events in, legs, receipts and balances out, one transaction a batch.

Plans are compiled once per (track, fee, composition share, rights in force) with the pure
`compile_plan` and applied with integer arithmetic (`round_shares`), so a batch costs a few
queries plus COPY. A killed batch rolls back whole; allocated events are never picked again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.config import Settings
from backbeat.royalties import webhook_events
from backbeat.royalties.accounts import revenue_account
from backbeat.royalties.allocation import round_shares
from backbeat.royalties.plans import AllocationPlan
from backbeat.royalties.posting import (
    AccountCache,
    ReceiptRow,
    TransferRow,
    new_id,
    text_array,
    write_transfers,
)
from backbeat.royalties.rights import Policy, TrackRights
from backbeat.royalties.snapshot import RightsBook, load_book

DISTRIBUTION_LOCK = 0x526F79
"""Batches hold it shared, restatement exclusively: a batch never reads rights older than a
restatement scan that has already passed it by."""


def policy_from_settings(settings: Settings) -> Policy:
    """The platform fee and composition share per source, and the depth cap."""
    return Policy(
        fee_ppm_by_source=dict(settings.royalty_fee_ppm),
        composition_ppm_by_source=dict(settings.royalty_composition_ppm),
        max_depth=settings.royalty_max_depth,
    )


@dataclass(frozen=True, slots=True)
class EventRow:
    id: str
    track_id: str
    source: str
    amount: int
    asset: str
    occurred_at: datetime
    revision: int = 0


def event_row(row: Any) -> EventRow:
    """An event from (id, track_id, source, amount, asset, occurred_at, revision): numeric → int."""
    event_id, track_id, source, amount, asset, occurred_at, revision = row
    return EventRow(str(event_id), str(track_id), source, int(amount), asset, occurred_at, revision)


def receipt_hash(
    event: EventRow, revision: int, plan: str, credits: Sequence[tuple[str, int]]
) -> str:
    """sha256 of the event, the plan's content address and every credit (docs/royalties.md)."""
    lines = ";".join(f"{account}={credit}" for account, credit in credits)
    canonical = (
        f"{event.id}|{revision}|{event.track_id}|{event.source}|{event.amount}|{event.asset}|"
        f"{event.occurred_at.isoformat()}|{plan}|{lines}"
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Planner:
    """Compiles plans and remembers them across batches (plans are immutable by content)."""

    policy: Policy
    plans: dict[tuple[Any, ...], AllocationPlan] = field(default_factory=dict)
    stored: set[str] = field(default_factory=set)
    accounts: AccountCache = field(default_factory=AccountCache)

    def plan_for(
        self, book: RightsBook, event: EventRow, memo: dict[tuple[Any, ...], AllocationPlan]
    ) -> AllocationPlan:
        """`memo` (one per book) skips rebuilding rights for events in the same interval."""
        root = event.track_id
        fee, comp = self.policy.fee_ppm(event.source), self.policy.composition_ppm(event.source)
        local = (root, book.interval_of(root, event.occurred_at), fee, comp)
        found = memo.get(local)
        if found is None:
            found = memo[local] = self._plan_at(book, root, event, (fee, comp))
        return found

    def _plan_at(
        self, book: RightsBook, root: str, event: EventRow, policy: tuple[int, int]
    ) -> AllocationPlan:
        fee, comp = policy
        rights = book.rights_at(root, event.occurred_at)
        identity = (root, fee, comp, tuple(rights.values()))
        found = self.plans.get(identity)
        if found is None:
            found = self.plans[identity] = self._compile(root, event.source, fee, comp, rights)
        return found

    def _compile(
        self, root: str, source: str, fee: int, comp: int, rights: dict[str, TrackRights]
    ) -> AllocationPlan:
        depth = self.policy.max_depth
        return AllocationPlan.compile(
            root, source, rights, fee_ppm=fee, composition_ppm=comp, max_depth=depth
        )


def allocation_transfer(
    event: EventRow, compiled: AllocationPlan, revision: int, kind: str = "allocation"
) -> tuple[TransferRow, ReceiptRow]:
    """The transfer (revenue account → credited accounts) and the receipt of one event."""
    credits = round_shares(compiled.shares, event.id, event.amount)
    paid = [(a, c) for a, c in zip(compiled.accounts, credits, strict=True) if c]
    transfer = TransferRow(
        id=new_id(),
        kind=kind,
        asset=event.asset,
        legs=[(revenue_account(event.source), -event.amount), *paid],
        event_id=event.id,
        track_id=event.track_id,
        source=event.source,
    )
    digest = receipt_hash(event, revision, compiled.id, paid)
    return transfer, ReceiptRow(event.id, revision, transfer.id, compiled.id, digest)


async def store_plans(
    session: AsyncSession, planner: Planner, plans: Sequence[AllocationPlan]
) -> None:
    """Inserts plans this process has not stored yet (another process may have: no conflict)."""
    new = {plan.id: plan for plan in plans if plan.id not in planner.stored}
    if not new:
        return
    await session.execute(
        text(
            "insert into royalties_plans "
            "(id, track_id, fee_ppm, composition_ppm, max_depth, rights, tracks) "
            "select i, t, f, c, d, r, cast(cl as text[]) from unnest(cast(:ids as text[]), "
            "cast(:tracks as uuid[]), cast(:fees as int[]), cast(:comps as int[]), "
            "cast(:depths as int[]), cast(:rights as jsonb[]), cast(:closures as text[])) "
            "as x(i, t, f, c, d, r, cl) order by i "
            "on conflict (id) do nothing"
        ),
        {
            "ids": list(new),
            "tracks": [p.track_id for p in new.values()],
            "fees": [p.fee_ppm for p in new.values()],
            "comps": [p.composition_ppm for p in new.values()],
            "depths": [p.max_depth for p in new.values()],
            "rights": [json.dumps(p.rights, separators=(",", ":")) for p in new.values()],
            "closures": ["{" + ",".join(sorted(p.rights)) + "}" for p in new.values()],
        },
    )
    planner.stored.update(new)


async def claim_batch(session: AsyncSession, limit: int) -> list[EventRow]:
    """Accepted events, oldest first, locked so concurrent workers take different ones."""
    await session.execute(
        text("select pg_advisory_xact_lock_shared(:key)"), {"key": DISTRIBUTION_LOCK}
    )
    rows = await session.execute(
        text(
            "select id::text, track_id::text, source, amount, asset, occurred_at, revision "
            "from royalties_revenue_events where status = 'accepted' "
            "order by id limit :limit for update skip locked"
        ),
        {"limit": limit},
    )
    return [event_row(row) for row in rows.all()]


async def distribute_batch(session: AsyncSession, planner: Planner, limit: int) -> int:
    """Allocates up to `limit` accepted events in the caller's transaction; returns how many."""
    events = await claim_batch(session, limit)
    if not events:
        return 0
    book = await load_book(session, {e.track_id for e in events}, planner.policy.max_depth)
    transfers, receipts = [], []
    used: dict[str, AllocationPlan] = {}
    memo: dict[tuple[Any, ...], AllocationPlan] = {}
    for event in events:
        compiled = planner.plan_for(book, event, memo)
        used[compiled.id] = compiled
        transfer, receipt = allocation_transfer(event, compiled, 1)
        transfers.append(transfer)
        receipts.append(receipt)
    await store_plans(session, planner, list(used.values()))
    await write_transfers(session, transfers, receipts, planner.accounts)
    await webhook_events.revenue_allocated(session, events, transfers)
    await session.execute(
        text(
            "update royalties_revenue_events set status = 'allocated', revision = 1, "
            "allocated_at = now() where id = any(cast(:ids as uuid[]))"
        ),
        {"ids": text_array(e.id for e in events)},
    )
    return len(events)
