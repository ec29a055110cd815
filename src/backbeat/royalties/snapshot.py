"""Rights as the catalog holds them, resolved for an instant: the allocation engine's inputs.

A `RightsBook` holds, for a closure of tracks (each root and its money ancestors up to the depth
cap), every sheet version with its effective instant and every money edge. `rights_at` picks the
versions in force at an event's instant; `interval_of` says which versions those are with one
bisection, so a batch compiles one plan per (root, policy, interval) and reuses it.

Holders' pools come from two SQL views a later domain's migration provides (offerings, which
royalties may not import): `offerings_pool_tiers(track_id, tier, pool_ppm, total_shares)` and
`offerings_pool_changes(track_id, tier, at, payee_id, delta)`. A tier is in force at an instant
with the minted shares each payee holds then (the sum of deltas up to it); a tier without minted
shares is left out, which allocates exactly as it would (its whole pool stays with the sheets).
Every change is a breakpoint, like a sheet version's start.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.royalties.accounts import payee_account
from backbeat.royalties.rights import (
    MONEY_EDGE_KINDS,
    Holding,
    ParentEdge,
    PoolTier,
    Sheet,
    SheetEntry,
    TrackRights,
)


@dataclass(frozen=True, slots=True)
class SheetVersion:
    """One non-pending version: in force from `effective_from` until a later one starts."""

    effective_from: datetime
    version: int
    sheet: Sheet


@dataclass(frozen=True, slots=True)
class PoolChange:
    """At `at`, `payee` (an account) gained (`delta` > 0) or lost minted shares of a tier."""

    at: datetime
    tier_id: str
    payee: str
    delta: int


@dataclass
class RightsBook:
    """Versions and edges of every track loaded so far (tracks without rows are known-empty)."""

    versions: dict[tuple[str, str], list[SheetVersion]] = field(default_factory=dict)
    parents: dict[str, tuple[ParentEdge, ...]] = field(default_factory=dict)
    closures: dict[str, tuple[str, ...]] = field(default_factory=dict)
    breakpoints: dict[str, list[datetime]] = field(default_factory=dict)
    pools: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    changes: dict[str, list[PoolChange]] = field(default_factory=dict)

    def sheet_at(self, track_id: str, kind: str, at: datetime) -> Sheet | None:
        """The version with the latest (effective_from, version) at or before `at`."""
        found = None
        for candidate in self.versions.get((track_id, kind), ()):
            if candidate.effective_from <= at:
                found = candidate
        return found.sheet if found else None

    def tiers_at(self, track_id: str, at: datetime) -> tuple[PoolTier, ...]:
        """The track's tiers with the minted shares each owner holds at `at`."""
        held: dict[tuple[str, str], int] = defaultdict(int)
        for change in self.changes.get(track_id, ()):
            if change.at > at:
                break
            held[(change.tier_id, change.payee)] += change.delta
        by_tier: dict[str, list[Holding]] = defaultdict(list)
        for (tier_id, payee), shares in sorted(held.items()):
            if shares:
                by_tier[tier_id].append(Holding(payee, shares))
        pools = self.pools.get(track_id, {})
        return tuple(
            PoolTier(tier_id, pools[tier_id][0], pools[tier_id][1], tuple(holdings))
            for tier_id, holdings in sorted(by_tier.items())
        )

    def rights_at(self, root: str, at: datetime) -> dict[str, TrackRights]:
        """The engine's input for an event on `root` at `at`."""
        return {
            track: TrackRights(
                track_id=track,
                parents=self.parents.get(track, ()),
                composition=self.sheet_at(track, "composition", at),
                production=self.sheet_at(track, "production", at),
                tiers=self.tiers_at(track, at),
            )
            for track in self.closures[root]
        }

    def interval_of(self, root: str, at: datetime) -> int:
        """Events on `root` in the same interval are allocated with the same sheet versions."""
        return bisect_right(self.breakpoints[root], at)


def _closure_sql() -> Any:
    return text(
        """
        with recursive up(root, track_id, depth) as (
          select r, r, 0 from unnest(cast(:roots as uuid[])) as r
          union
          select up.root, e.parent_id, up.depth + 1 from up
          join catalog_lineage_edges e on e.child_id = up.track_id
          where up.depth < :depth and e.kind = any(cast(:kinds as text[]))
        )
        select distinct root::text, track_id::text from up
        """
    )


async def load_book(
    session: AsyncSession, roots: Iterable[str], max_depth: int, book: RightsBook | None = None
) -> RightsBook:
    """Loads what events on `roots` need into `book` (roots already there are skipped)."""
    book = book or RightsBook()
    wanted = sorted({root for root in roots if root not in book.closures})
    if not wanted:
        return book
    rows = await session.execute(
        _closure_sql(), {"roots": wanted, "depth": max_depth, "kinds": sorted(MONEY_EDGE_KINDS)}
    )
    closure: dict[str, set[str]] = defaultdict(set)
    for root, track in rows.all():
        closure[root].add(track)
    new_tracks = {t for tracks in closure.values() for t in tracks} - _loaded_tracks(book)
    await _load_tracks(session, sorted(new_tracks), book)
    for root in wanted:
        tracks = tuple(sorted(closure[root] or {root}))
        book.closures[root] = tracks
        book.breakpoints[root] = sorted(
            {
                version.effective_from
                for track in tracks
                for kind in ("composition", "production")
                for version in book.versions.get((track, kind), ())
            }
            | {change.at for track in tracks for change in book.changes.get(track, ())}
        )
    return book


def _loaded_tracks(book: RightsBook) -> set[str]:
    return set(book.parents)


async def _load_tracks(session: AsyncSession, tracks: list[str], book: RightsBook) -> None:
    """Edges and non-pending sheet versions with their entries, for tracks not yet loaded."""
    for track in tracks:
        book.parents[track] = ()
    if not tracks:
        return
    edges: dict[str, list[ParentEdge]] = defaultdict(list)
    for child, parent, kind, share in await session.execute(
        text(
            "select child_id::text, parent_id::text, kind, share_ppm from catalog_lineage_edges "
            "where child_id = any(cast(:tracks as uuid[])) and kind = any(cast(:kinds as text[])) "
            "order by child_id, parent_id"
        ),
        {"tracks": tracks, "kinds": sorted(MONEY_EDGE_KINDS)},
    ):
        edges[child].append(ParentEdge(parent, share, kind))
    for track, found in edges.items():
        book.parents[track] = tuple(found)
    await _load_versions(session, tracks, book)
    await _load_pools(session, tracks, book)


async def _load_versions(session: AsyncSession, tracks: list[str], book: RightsBook) -> None:
    rows = await session.execute(
        text(
            "select v.id::text, v.track_id::text, v.sheet, v.version, v.effective_from, "
            "e.payee_id::text, e.share_ppm from catalog_split_versions v "
            "join catalog_split_entries e on e.version_id = v.id "
            "where v.track_id = any(cast(:tracks as uuid[])) and v.status <> 'pending' "
            "order by v.track_id, v.sheet, v.effective_from, v.version, e.position"
        ),
        {"tracks": tracks},
    )
    grouped: dict[tuple[str, str, str, int, datetime], list[SheetEntry]] = defaultdict(list)
    for version_id, track, kind, version, effective, payee, share in rows.all():
        entry = SheetEntry(payee_account(payee) if payee else None, share)
        grouped[(track, kind, version_id, version, effective)].append(entry)
    for (track, kind, version_id, version, effective), entries in grouped.items():
        sheet = Sheet(version_id, tuple(entries))
        book.versions.setdefault((track, kind), []).append(SheetVersion(effective, version, sheet))
    for found in book.versions.values():
        found.sort(key=lambda v: (v.effective_from, v.version))


async def _load_pools(session: AsyncSession, tracks: list[str], book: RightsBook) -> None:
    """Tiers and every ownership change of their shares (see the module docstring)."""
    for track, tier, pool_ppm, total in await session.execute(
        text(
            "select track_id::text, tier::text, pool_ppm, total_shares from offerings_pool_tiers "
            "where track_id = any(cast(:tracks as uuid[]))"
        ),
        {"tracks": tracks},
    ):
        book.pools.setdefault(track, {})[tier] = (pool_ppm, total)
    rows = await session.execute(
        text(
            "select track_id::text, tier::text, at, payee_id::text, sum(delta) "
            "from offerings_pool_changes where track_id = any(cast(:tracks as uuid[])) "
            "group by track_id, tier, at, payee_id order by track_id, at, tier, payee_id"
        ),
        {"tracks": tracks},
    )
    for track, tier, at, payee, delta in rows.all():
        if delta:
            change = PoolChange(at, tier, payee_account(payee), int(delta))
            book.changes.setdefault(track, []).append(change)
