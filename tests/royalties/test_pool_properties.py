"""The batch engine equals the pure allocator when masters have holders' pools: random tiers,
random mints and random transfers at random instants, read back through the offerings views.

The reference side computes each tier's holdings at each event's instant straight from the
generated history (not through the engine's loader). Conservation (credits sum to the amount),
fairness (each credit within one minor unit of its exact share) and determinism (the same
events allocated again by a fresh planner give the same credits) are checked too.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Payee, Track
from backbeat.royalties.allocation import allocate, apply_plan
from backbeat.royalties.distribution import Planner, distribute_batch
from backbeat.royalties.plans import AllocationPlan
from backbeat.royalties.rights import (
    EventInput,
    Holding,
    ParentEdge,
    Policy,
    PoolTier,
    Sheet,
    SheetEntry,
    TrackRights,
)
from backbeat.royalties.snapshot import load_book
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

POLICY = Policy(fee_ppm_by_source={"sale": 100_000}, max_depth=3)
PAYEES = 4


@dataclass(frozen=True)
class Offering:
    tiers: list[tuple[int, int]]  # (shares, pool ppm)
    history: list[tuple[int, int, int]]  # (hour, token, new owner); the first per token mints


@dataclass(frozen=True)
class World:
    offerings: list[Offering | None]
    edges: list[tuple[int, int, int]]
    events: list[tuple[int, int, int]]  # (track, hour, amount)


@st.composite
def offerings(draw: st.DrawFn) -> Offering:
    count = draw(st.integers(1, 3))
    pools = draw(st.lists(st.integers(0, 400_000), min_size=count, max_size=count))
    tiers = [(draw(st.integers(1, 4)), pool) for pool in pools]
    supply = sum(shares for shares, _ in tiers)
    history = draw(
        st.lists(
            st.tuples(st.integers(0, 48), st.integers(1, supply), st.integers(0, PAYEES - 1)),
            max_size=10,
        )
    )
    return Offering(tiers, sorted(history))


@st.composite
def worlds(draw: st.DrawFn) -> World:
    tracks = draw(st.integers(1, 3))
    found = [draw(st.one_of(st.none(), offerings())) for _ in range(tracks)]
    edges = [
        (child, parent, draw(st.integers(1, 400_000)))
        for child in range(1, tracks)
        for parent in draw(st.lists(st.integers(0, child - 1), max_size=1, unique=True))
    ]
    events = draw(
        st.lists(
            st.tuples(st.integers(0, tracks - 1), st.integers(0, 50), st.integers(0, 10**9)),
            min_size=1,
            max_size=6,
        )
    )
    return World(found, edges, events)


def at(hour: int) -> datetime:
    return EPOCH + timedelta(hours=hour)


def tier_of(offering: Offering, token: int) -> int:
    last = 0
    for index, (shares, _) in enumerate(offering.tiers):
        last += shares
        if token <= last:
            return index + 1
    raise AssertionError(token)


def reference_tiers(offering: Offering, payees: list[Payee], hour: int) -> tuple[PoolTier, ...]:
    """Owners at `hour` from the generated history: the last change at or before it wins."""
    owner: dict[int, int] = {}
    for changed, token, payee in offering.history:
        if changed <= hour:
            owner[token] = payee
    held: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for token, payee in owner.items():
        held[tier_of(offering, token)][f"payee:{payees[payee].id}"] += 1
    return tuple(
        PoolTier(
            str(tier),
            offering.tiers[tier - 1][1],
            offering.tiers[tier - 1][0],
            tuple(Holding(o, n) for o, n in sorted(held[tier].items())),
        )
        for tier in sorted(held)
    )


async def store_offering(
    session: AsyncSession, track: Track, offering: Offering, payees: list[Payee]
) -> None:
    """The offering's rows as the offerings domain writes them, with the generated history."""
    supply = sum(shares for shares, _ in offering.tiers)
    offering_id = uuid.uuid4()
    await session.execute(
        text("insert into offerings_masters (track_id, state) values (:t, 'listed')"),
        {"t": track.id},
    )
    await session.execute(
        text(
            "insert into offerings_offerings (id, track_id, asset, price, total_supply, "
            "artist_reserve, starts_at, ends_at, created_by) values (:o, :t, 'USD', 1, :n, 0, "
            "'2025-01-01', '2027-01-01', :u)"
        ),
        {"t": track.id, "o": offering_id, "n": supply, "u": track.created_by},
    )
    first = 1
    for tier, (shares, pool) in enumerate(offering.tiers, start=1):
        await session.execute(
            text(
                "insert into offerings_tiers (offering_id, tier, first_token, last_token, "
                "pool_ppm) values (:o, :tier, :first, :last, :pool)"
            ),
            {
                "o": offering_id,
                "tier": tier,
                "first": first,
                "last": first + shares - 1,
                "pool": pool,
            },
        )
        await session.execute(
            text(
                "insert into offerings_shares (id, offering_id, track_id, token, tier, status) "
                "select gen_random_uuid(), :o, :t, n, :tier, 'minted' "
                "from generate_series(cast(:first as int), cast(:last as int)) n"
            ),
            {
                "o": offering_id,
                "t": track.id,
                "tier": tier,
                "first": first,
                "last": first + shares - 1,
            },
        )
        first += shares
    owner: dict[int, uuid.UUID] = {}
    for hour, token, payee in offering.history:
        await session.execute(
            text(
                "insert into offerings_share_transfers (id, share_id, track_id, from_payee_id, "
                "to_payee_id, kind, at) select gen_random_uuid(), s.id, s.track_id, :from, :to, "
                ":kind, :at from offerings_shares s where s.offering_id = :o and s.token = :token"
            ),
            {
                "o": offering_id,
                "token": token,
                "from": owner.get(token),
                "to": payees[payee].id,
                "kind": "transfer" if token in owner else "mint",
                "at": at(hour),
            },
        )
        owner[token] = payees[payee].id


def reference_rights(
    world: World, tracks: list[Track], payees: list[Payee], hour: int
) -> dict[str, TrackRights]:
    artist = Sheet("s", (SheetEntry(f"payee:{payees[0].id}", 1_000_000),))
    parents: dict[int, list[ParentEdge]] = defaultdict(list)
    for child, parent, share in world.edges:
        parents[child].append(ParentEdge(str(tracks[parent].id), share, "remix"))
    return {
        str(track.id): TrackRights(
            str(track.id),
            tuple(sorted(parents[i], key=lambda e: e.parent_id)),
            artist,
            artist,
            reference_tiers(found, payees, hour) if found else (),
        )
        for i, (track, found) in enumerate(zip(tracks, world.offerings, strict=True))
    }


async def ledger_by_event(session: AsyncSession) -> dict[str, dict[str, int]]:
    rows = await session.execute(
        text(
            "select t.event_id, a.name, sum(l.amount) from royalties_transfers t "
            "join royalties_legs l on l.transfer_id = t.id "
            "join royalties_accounts a on a.id = l.account_id "
            "where a.kind <> 'revenue' and t.event_id is not null "
            "group by t.event_id, a.name having sum(l.amount) <> 0"
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
async def test_pools_with_random_tiers_and_transfers(session: AsyncSession, world: World) -> None:
    savepoint = await session.begin_nested()
    try:
        owner = await make_user(session)
        payees = [await user_payee(session, await make_user(session)) for _ in range(PAYEES)]
        tracks = [await make_track(session, owner) for _ in world.offerings]
        for track, found in zip(tracks, world.offerings, strict=True):
            for sheet in ("composition", "production"):
                await make_sheet(session, track, sheet, [(payees[0], 1_000_000)])
            if found:
                await store_offering(session, track, found, payees)
        for child, parent, share in world.edges:
            await make_edge(session, tracks[child], tracks[parent], share)
        events = [
            await make_event(session, tracks[i], amount, source="sale", occurred_at=at(hour))
            for i, hour, amount in world.events
        ]
        planner = Planner(POLICY)
        while await distribute_batch(session, planner, 3):
            pass
        got = await ledger_by_event(session)
        for event, (i, hour, amount) in zip(events, world.events, strict=True):
            rights = reference_rights(world, tracks, payees, hour)
            reference = EventInput(str(event.id), str(tracks[i].id), "sale", amount)
            expected = allocate(reference, rights, POLICY)
            credits = got.get(str(event.id), {})
            assert credits == {c.account: c.amount for c in expected.credits}
            assert sum(credits.values()) == amount  # conservation
            for account, exact in expected.exact:  # within one minor unit
                assert abs(credits.get(account, 0) - exact) < 1
            assert allocate(reference, rights, POLICY) == expected  # determinism
        book = await load_book(session, {str(t.id) for t in tracks}, POLICY.max_depth)
        for event, (i, hour, amount) in zip(events, world.events, strict=True):
            root = str(tracks[i].id)
            again = AllocationPlan.compile(
                root,
                "sale",
                book.rights_at(root, at(hour)),
                fee_ppm=100_000,
                composition_ppm=500_000,
                max_depth=3,
            )
            replay = apply_plan(again.shares, EventInput(str(event.id), root, "sale", amount))
            assert {c.account: c.amount for c in replay.credits} == got.get(str(event.id), {})
        report = await verify(session)
        assert report.ok, report.problems
    finally:
        await savepoint.rollback()
