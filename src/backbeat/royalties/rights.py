"""The inputs of an allocation: sheets, lineage edges, holder pools, policy and the event."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

PPM = 1_000_000
MONEY_EDGE_KINDS = frozenset({"remix", "sample", "interpolation"})
DEFAULT_COMPOSITION_PPM = 500_000
DEFAULT_MAX_DEPTH = 8


def tie_break_key(event_id: str, account: str) -> bytes:
    """Spreads rounding ties across payees event by event, yet reproducibly (and in SQL)."""
    return hashlib.sha256(f"{event_id}|{account}".encode()).digest()


def _check_ppm(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= PPM:
        raise ValueError(f"{what} must be an integer ppm in [0, {PPM}], got {value!r}")


def _check_unique(keys: Sequence[str], what: str) -> None:
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate {what}: {sorted(keys)}")


# Inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetEntry:
    """One line of a split sheet; payee None means not yet identified, so it goes to suspense."""

    payee: str | None
    share_ppm: int

    def __post_init__(self) -> None:
        _check_ppm(self.share_ppm, "sheet entry share")
        if self.payee == "":
            raise ValueError("a payee is an account or None (unknown), never empty")


@dataclass(frozen=True, slots=True)
class Sheet:
    """A split-sheet version, the one in force at the event's time (the caller resolves it)."""

    version_id: str
    entries: tuple[SheetEntry, ...]

    def __post_init__(self) -> None:
        total = sum(entry.share_ppm for entry in self.entries)
        if total != PPM:
            raise ValueError(f"sheet {self.version_id} sums to {total} ppm, not {PPM}")
        _check_unique([e.payee for e in self.entries if e.payee is not None], "payee")


@dataclass(frozen=True, slots=True)
class ParentEdge:
    """This track remixes or samples `parent_id`, which earns `share_ppm` of what is left."""

    parent_id: str
    share_ppm: int
    kind: str

    def __post_init__(self) -> None:
        _check_ppm(self.share_ppm, "parent edge share")
        if self.kind not in MONEY_EDGE_KINDS:
            raise ValueError(f"edge kind {self.kind!r} carries no money")


@dataclass(frozen=True, slots=True)
class Holding:
    """Minted shares of a tier that one owner holds now; an owner may appear more than once."""

    owner: str
    shares: int

    def __post_init__(self) -> None:
        if not self.owner or self.shares < 0:
            raise ValueError(f"bad holding {self!r}")


@dataclass(frozen=True, slots=True)
class PoolTier:
    """An offering tier: `pool_ppm` of the track's own part, split equally over all its shares."""

    tier_id: str
    pool_ppm: int
    total_shares: int
    holdings: tuple[Holding, ...] = ()

    def __post_init__(self) -> None:
        _check_ppm(self.pool_ppm, "tier pool")
        if self.total_shares < 1 or self.minted_shares() > self.total_shares:
            raise ValueError(f"tier {self.tier_id}: minted shares exceed {self.total_shares}")

    def minted_shares(self) -> int:
        """Only minted shares are paid; the unminted part stays with the rights holders."""
        return sum(holding.shares for holding in self.holdings)

    def shares_by_owner(self) -> dict[str, int]:
        """Merges an owner's holdings so the order they were listed in cannot matter."""
        merged: dict[str, int] = defaultdict(int)
        for holding in self.holdings:
            merged[holding.owner] += holding.shares
        return dict(sorted(merged.items()))


@dataclass(frozen=True, slots=True)
class TrackRights:
    """A track's rights as in force at the event's instant: parents, live pools, sheets."""

    track_id: str
    parents: tuple[ParentEdge, ...] = ()
    composition: Sheet | None = None
    production: Sheet | None = None
    tiers: tuple[PoolTier, ...] = ()

    def __post_init__(self) -> None:
        parent_ids = [edge.parent_id for edge in self.parents]
        _check_unique(parent_ids, "parent")
        if self.track_id in parent_ids:
            raise ValueError(f"track {self.track_id} cannot be its own parent")
        if sum(edge.share_ppm for edge in self.parents) > PPM:
            raise ValueError(f"parents of {self.track_id} take more than 100 %")
        _check_unique([tier.tier_id for tier in self.tiers], "tier")
        if sum(tier.pool_ppm for tier in self.tiers) > PPM:
            raise ValueError(f"pools of {self.track_id} take more than 100 %")


@dataclass(frozen=True)
class Policy:
    """Per-source platform fee and composition share; a source not listed uses the defaults."""

    fee_ppm_by_source: Mapping[str, int] = field(default_factory=dict)
    composition_ppm_by_source: Mapping[str, int] = field(default_factory=dict)
    max_depth: int = DEFAULT_MAX_DEPTH
    default_fee_ppm: int = 0
    default_composition_ppm: int = DEFAULT_COMPOSITION_PPM

    def __post_init__(self) -> None:
        for source, ppm in [*self.fee_ppm_by_source.items(), ("default", self.default_fee_ppm)]:
            _check_ppm(ppm, f"fee for {source}")
        comp = [*self.composition_ppm_by_source.items(), ("default", self.default_composition_ppm)]
        for source, ppm in comp:
            _check_ppm(ppm, f"composition share for {source}")
        if self.max_depth < 0:
            raise ValueError("max_depth must be >= 0")

    def fee_ppm(self, source: str) -> int:
        return self.fee_ppm_by_source.get(source, self.default_fee_ppm)

    def composition_ppm(self, source: str) -> int:
        return self.composition_ppm_by_source.get(source, self.default_composition_ppm)


@dataclass(frozen=True, slots=True)
class EventInput:
    """One revenue event: `amount` in the asset's minor unit (cents, wei)."""

    event_id: str
    track_id: str
    source: str
    amount: int

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise ValueError(f"amount must be an int of minor units, got {self.amount!r}")
        if self.amount < 0:
            raise ValueError("amount must be >= 0; a refund is a correcting transfer")
