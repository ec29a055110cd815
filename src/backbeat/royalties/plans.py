"""Allocation plans: the inputs an event was allocated with, content-addressed, and their result.

One `AllocationPlan` is what the batch engine compiles, what `royalties_plans` stores and what a
receipt or `verify` loads back: the stored inputs (track, fee, composition share, depth cap and
the rights document) and the pure engine's amount-free `SharePlan` compiled from them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.royalties import models
from backbeat.royalties.allocation import SharePlan, compile_plan
from backbeat.royalties.rights import (
    Holding,
    ParentEdge,
    Policy,
    PoolTier,
    Sheet,
    SheetEntry,
    TrackRights,
)


def stored_policy(fee_ppm: int, composition_ppm: int, max_depth: int) -> Policy:
    """The policy a stored plan was compiled with, whatever the settings say today."""
    return Policy(
        default_fee_ppm=fee_ppm, default_composition_ppm=composition_ppm, max_depth=max_depth
    )


def plan_id(
    track_id: str, fee_ppm: int, composition_ppm: int, max_depth: int, rights: dict[str, Any]
) -> str:
    """Content address of a plan's inputs: equal inputs share one stored plan."""
    canonical = json.dumps(
        [track_id, fee_ppm, composition_ppm, max_depth, rights],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class AllocationPlan:
    """A plan's content address and stored inputs, and the shares compiled from them.

    `shares` is compiled for one revenue source (the fee and composition share are already
    resolved into the inputs, so any source with the same ones gets the same weights).
    """

    id: str
    track_id: str
    fee_ppm: int
    composition_ppm: int
    max_depth: int
    rights: dict[str, Any]
    shares: SharePlan

    @classmethod
    def compile(
        cls,
        track_id: str,
        source: str,
        rights: Mapping[str, TrackRights],
        *,
        fee_ppm: int,
        composition_ppm: int,
        max_depth: int,
    ) -> AllocationPlan:
        """The plan of the rights in force, under a resolved fee and composition share."""
        document = rights_document(rights)
        policy = stored_policy(fee_ppm, composition_ppm, max_depth)
        return cls(
            id=plan_id(track_id, fee_ppm, composition_ppm, max_depth, document),
            track_id=track_id,
            fee_ppm=fee_ppm,
            composition_ppm=composition_ppm,
            max_depth=max_depth,
            rights=document,
            shares=compile_plan(track_id, source, rights, policy),
        )

    @classmethod
    def from_row(cls, row: models.Plan, source: str) -> AllocationPlan:
        """A stored plan, recompiled from its stored inputs only (the id is kept as stored)."""
        policy = stored_policy(row.fee_ppm, row.composition_ppm, row.max_depth)
        rights = rights_from_document(row.rights)
        return cls(
            id=row.id,
            track_id=str(row.track_id),
            fee_ppm=row.fee_ppm,
            composition_ppm=row.composition_ppm,
            max_depth=row.max_depth,
            rights=row.rights,
            shares=compile_plan(str(row.track_id), source, rights, policy),
        )

    @cached_property
    def accounts(self) -> tuple[str, ...]:
        """The credited accounts, in the order of `round_shares`' credits."""
        return tuple(account for account, _ in self.shares.numerators)

    def content_address(self) -> str:
        """What the id must be: `verify` compares it with the stored id."""
        return plan_id(
            self.track_id, self.fee_ppm, self.composition_ppm, self.max_depth, self.rights
        )

    def inputs(self) -> dict[str, Any]:
        """The stored inputs as a receipt shows them."""
        return {
            "fee_ppm": self.fee_ppm,
            "composition_ppm": self.composition_ppm,
            "max_depth": self.max_depth,
            "rights": self.rights,
        }


async def load_plan(session: AsyncSession, plan: str, source: str) -> AllocationPlan:
    """A stored plan compiled for `source` (row-level security: plans of receipts you see)."""
    row = await session.get_one(models.Plan, plan)
    return AllocationPlan.from_row(row, source)


# Serialising rights for plans and receipts --------------------------------------------------


def rights_document(rights: Mapping[str, TrackRights]) -> dict[str, Any]:
    """A JSON document of the rights used, from which `rights_from_document` rebuilds them."""
    return {track: _track_document(found) for track, found in sorted(rights.items())}


def _track_document(found: TrackRights) -> dict[str, Any]:
    """`tiers` only when the track has some, so plans of tracks without pools keep their ids."""
    document: dict[str, Any] = {
        "parents": [[e.parent_id, e.share_ppm, e.kind] for e in found.parents],
        "composition": _sheet_document(found.composition),
        "production": _sheet_document(found.production),
    }
    if found.tiers:
        document["tiers"] = [
            [t.tier_id, t.pool_ppm, t.total_shares, [[h.owner, h.shares] for h in t.holdings]]
            for t in sorted(found.tiers, key=lambda tier: tier.tier_id)
        ]
    return document


def _sheet_document(sheet: Sheet | None) -> dict[str, Any] | None:
    if sheet is None:
        return None
    return {
        "version_id": sheet.version_id,
        "entries": [[e.payee, e.share_ppm] for e in sheet.entries],
    }


def rights_from_document(document: Mapping[str, Any]) -> dict[str, TrackRights]:
    """The inverse of `rights_document`."""
    return {
        track: TrackRights(
            track_id=track,
            parents=tuple(ParentEdge(p, share, kind) for p, share, kind in value["parents"]),
            composition=_sheet_from(value["composition"]),
            production=_sheet_from(value["production"]),
            tiers=tuple(
                PoolTier(tier, pool, total, tuple(Holding(o, n) for o, n in holdings))
                for tier, pool, total, holdings in value.get("tiers", ())
            ),
        )
        for track, value in document.items()
    }


def _sheet_from(value: Mapping[str, Any] | None) -> Sheet | None:
    if value is None:
        return None
    entries = tuple(SheetEntry(payee, share) for payee, share in value["entries"])
    return Sheet(value["version_id"], entries)
