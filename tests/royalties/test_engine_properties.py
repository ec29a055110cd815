"""The batch engine equals the pure allocator on random catalogs with random remix DAGs.

The reference side builds `TrackRights` straight from the generated catalog (not through the
engine's loader) and calls `allocate` per event; the database side stores the catalog, runs
`distribute_batch` with a random batch size over events inserted in a random order, and reads the
ledger back. Conservation, fairness and idempotency are checked on the database side too.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Payee, Track
from backbeat.royalties.allocation import allocate
from backbeat.royalties.distribution import Planner, distribute_batch
from backbeat.royalties.rights import EventInput, ParentEdge, Policy, Sheet, SheetEntry, TrackRights
from backbeat.royalties.verify import verify
from tests.royalties.factories import (
    EPOCH,
    make_edge,
    make_event,
    make_sheet,
    make_track,
    make_user,
    user_payee,
)

POLICY = Policy(
    fee_ppm_by_source={"sale": 150_000}, composition_ppm_by_source={"sync": 700_000}, max_depth=3
)


@dataclass(frozen=True)
class World:
    sheets: list[tuple[list[tuple[int, int]] | None, list[tuple[int, int]] | None]]
    edges: list[tuple[int, int, int]]
    events: list[tuple[int, int, str]]
    order: list[int]
    batch: int


@st.composite
def shares(draw: st.DrawFn, payees: int = 4) -> list[tuple[int, int]]:
    """1 to 3 distinct payees whose ppm shares sum to exactly 1,000,000."""
    chosen = draw(st.lists(st.integers(0, payees - 1), min_size=1, max_size=3, unique=True))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(1, 999_999),
                min_size=len(chosen) - 1,
                max_size=len(chosen) - 1,
                unique=True,
            )
        )
    )
    bounds = [0, *cuts, 1_000_000]
    return [(p, bounds[i + 1] - bounds[i]) for i, p in enumerate(chosen)]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    tracks = draw(st.integers(1, 5))
    sheet = st.one_of(st.none(), shares())
    sheets = [(draw(sheet), draw(sheet)) for _ in range(tracks)]
    edges = []
    for child in range(1, tracks):
        parents = draw(st.lists(st.integers(0, child - 1), max_size=2, unique=True))
        for parent in parents:
            edges.append((child, parent, draw(st.integers(1, 400_000))))
    events = draw(
        st.lists(
            st.tuples(
                st.integers(0, tracks - 1),
                st.integers(0, 10**12),
                st.sampled_from(["stream", "sale", "sync"]),
            ),
            min_size=1,
            max_size=6,
        )
    )
    order = draw(st.permutations(list(range(len(events)))))
    return World(sheets, edges, events, list(order), draw(st.integers(1, 4)))


def reference_rights(
    world: World, tracks: list[Track], payees: list[Payee]
) -> dict[str, TrackRights]:
    def sheet(entries: list[tuple[int, int]] | None, name: str) -> Sheet | None:
        if entries is None:
            return None
        return Sheet(
            name, tuple(SheetEntry(f"payee:{payees[p].id}", share) for p, share in entries)
        )

    parents: dict[int, list[ParentEdge]] = defaultdict(list)
    for child, parent, share in world.edges:
        parents[child].append(ParentEdge(str(tracks[parent].id), share, "remix"))
    return {
        str(track.id): TrackRights(
            str(track.id),
            tuple(sorted(parents[i], key=lambda e: e.parent_id)),
            sheet(world.sheets[i][0], "c"),
            sheet(world.sheets[i][1], "p"),
        )
        for i, track in enumerate(tracks)
    }


async def ledger_by_event(session: AsyncSession) -> dict[str, dict[str, int]]:
    rows = await session.execute(
        text(
            "select t.event_id, a.name, sum(l.amount) from royalties_transfers t "
            "join royalties_legs l on l.transfer_id = t.id "
            "join royalties_accounts a on a.id = l.account_id "
            "where a.kind <> 'revenue' group by t.event_id, a.name having sum(l.amount) <> 0"
        )
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for event_id, name, amount in rows.all():
        found[str(event_id)][name] = int(amount)
    return found


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(world=worlds())
async def test_batch_engine_equals_the_pure_allocator(session: AsyncSession, world: World) -> None:
    savepoint = await session.begin_nested()
    try:
        owner = await make_user(session)
        payees = [await user_payee(session, await make_user(session)) for _ in range(4)]
        tracks = [await make_track(session, owner) for _ in world.sheets]
        for row, (composition, production) in zip(tracks, world.sheets, strict=True):
            for name, entries in (("composition", composition), ("production", production)):
                if entries is not None:
                    await make_sheet(session, row, name, [(payees[p], s) for p, s in entries])
        for child, parent, share in world.edges:
            await make_edge(session, tracks[child], tracks[parent], share)
        ids = [uuid.UUID(int=(1 << 127) + i) for i in range(len(world.events))]
        for i in world.order:
            at, amount, source = world.events[i]
            event = await make_event(
                session,
                tracks[at],
                amount,
                source=source,
                occurred_at=EPOCH + timedelta(hours=i),
            )
            await session.execute(
                text("update royalties_revenue_events set id = :new where id = :old"),
                {"new": ids[i], "old": event.id},
            )
        planner = Planner(POLICY)
        while await distribute_batch(session, planner, world.batch):
            pass
        got = await ledger_by_event(session)
        rights = reference_rights(world, tracks, payees)
        for i, (at, amount, source) in enumerate(world.events):
            expected = allocate(
                EventInput(str(ids[i]), str(tracks[at].id), source, amount), rights, POLICY
            )
            assert got.get(str(ids[i]), {}) == {c.account: c.amount for c in expected.credits}
            assert sum(got.get(str(ids[i]), {}).values()) == amount  # conservation
            for account, exact in expected.exact:  # fairness
                assert abs(got.get(str(ids[i]), {}).get(account, 0) - exact) < 1
        total = await session.execute(
            text(
                "select coalesce(sum(balance), 0) from royalties_balances b "
                "join royalties_accounts a on a.id = b.account_id where a.kind <> 'revenue'"
            )
        )
        assert int(total.scalar_one()) == sum(amount for _, amount, _ in world.events)
        assert await distribute_batch(session, planner, 10) == 0  # idempotent: nothing left
        assert (await verify(session)).ok
    finally:
        await savepoint.rollback()
