"""Pure royalty allocation: one revenue event in, exact shares and credits rounded once out.

Weights are exact fractions of the event amount. A `SharePlan` holds everything except the
amount, so a batch compiles it once per (track, source, rights in force) and applies it to many
events with integer arithmetic only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm

from backbeat.royalties.accounts import FEE_ACCOUNT, suspense_account
from backbeat.royalties.rights import (
    PPM,
    EventInput,
    Policy,
    PoolTier,
    Sheet,
    TrackRights,
    _check_unique,
    tie_break_key,
)

# Plan and receipt ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EdgeFlow:
    """Weight that climbed one edge at one depth (parent's distance from the event's track)."""

    child_id: str
    parent_id: str
    kind: str
    share_ppm: int
    depth: int
    weight: Fraction


@dataclass(frozen=True, slots=True)
class TruncatedEdge:
    """An edge beyond max_depth: ignored, so its child keeps that part."""

    child_id: str
    parent_id: str
    kind: str
    share_ppm: int
    depth: int


@dataclass(frozen=True, slots=True)
class TierPayout:
    """What one tier's holders received and what its unminted shares left to the sheets."""

    track_id: str
    tier_id: str
    pool_ppm: int
    total_shares: int
    minted_shares: int
    to_holders: Fraction
    unminted: Fraction


@dataclass(frozen=True, slots=True)
class TrackShare:
    """One reached track: what arrived, what it kept, and how its own part was divided."""

    track_id: str
    known: bool
    inflow: Fraction
    kept: Fraction
    to_holders: Fraction
    composition: Fraction
    production: Fraction
    composition_version: str | None
    production_version: str | None


@dataclass(frozen=True, slots=True)
class SharePlan:
    """Amount-free result: account weights as integers over one common denominator."""

    track_id: str
    source: str
    fee_ppm: int
    composition_ppm: int
    max_depth: int
    denominator: int
    numerators: tuple[tuple[str, int], ...]
    tracks: tuple[TrackShare, ...]
    flows: tuple[EdgeFlow, ...]
    truncated: tuple[TruncatedEdge, ...]
    tiers: tuple[TierPayout, ...]


@dataclass(frozen=True, slots=True)
class Credit:
    account: str
    amount: int


@dataclass(frozen=True, slots=True)
class RoundingLine:
    """One account's exact share and the integer it was rounded to (floor, or floor + 1)."""

    account: str
    exact: Fraction
    credit: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """Everything needed to recompute an event's ledger lines offline."""

    event: EventInput
    plan: SharePlan
    lines: tuple[RoundingLine, ...]


@dataclass(frozen=True, slots=True)
class Allocation:
    credits: tuple[Credit, ...]
    exact: tuple[tuple[str, Fraction], ...]
    receipt: Receipt


# Walking the attribution DAG --------------------------------------------------------------


@dataclass
class _Walk:
    inflow: dict[str, Fraction] = field(default_factory=lambda: defaultdict(Fraction))
    kept: dict[str, Fraction] = field(default_factory=lambda: defaultdict(Fraction))
    flows: list[EdgeFlow] = field(default_factory=list)
    truncated: list[TruncatedEdge] = field(default_factory=list)


def _rights_of(track_id: str, rights: Mapping[str, TrackRights]) -> TrackRights | None:
    found = rights.get(track_id)
    if found is not None and found.track_id != track_id:
        raise ValueError(f"rights[{track_id!r}] describes track {found.track_id!r}")
    return found


def _parent_ids(track_id: str, rights: Mapping[str, TrackRights]) -> Iterator[str]:
    found = _rights_of(track_id, rights)
    return iter(edge.parent_id for edge in found.parents) if found else iter(())


def _check_acyclic(root: str, rights: Mapping[str, TrackRights]) -> None:
    """A cycle would pay a track out of its own revenue: the catalog refuses them, so do we."""
    on_path, done = {root}, set[str]()
    stack = [(root, _parent_ids(root, rights))]
    while stack:
        node, parents = stack[-1]
        parent = next(parents, None)
        if parent is None:
            stack.pop()
            on_path.discard(node)
            done.add(node)
        elif parent in on_path:
            raise ValueError(f"attribution cycle through {parent!r}")
        elif parent not in done:
            on_path.add(parent)
            stack.append((parent, _parent_ids(parent, rights)))


def _climb(walk: _Walk, child: TrackRights, weight: Fraction, depth: int) -> dict[str, Fraction]:
    """Sends each parent its share of `weight`; the child keeps the rest."""
    lifted: dict[str, Fraction] = {}
    for edge in child.parents:
        if edge.share_ppm:
            share = lifted[edge.parent_id] = weight * edge.share_ppm / PPM
            walk.flows.append(
                EdgeFlow(
                    child.track_id, edge.parent_id, edge.kind, edge.share_ppm, depth + 1, share
                )
            )
    walk.kept[child.track_id] += weight - sum(lifted.values(), Fraction(0))
    return lifted


def _truncate(walk: _Walk, child: TrackRights, weight: Fraction, depth: int) -> None:
    """At the depth cap the track keeps its whole part; the receipt lists the ignored edges."""
    walk.kept[child.track_id] += weight
    for edge in child.parents:
        walk.truncated.append(
            TruncatedEdge(child.track_id, edge.parent_id, edge.kind, edge.share_ppm, depth + 1)
        )


def _propagate(root: str, net: Fraction, rights: Mapping[str, TrackRights], cap: int) -> _Walk:
    """Level by level, so a track reached by several paths (a diamond) accumulates its parts."""
    walk, level = _Walk(), {root: net}
    for depth in range(cap + 1):
        upper: dict[str, Fraction] = defaultdict(Fraction)
        for track_id, weight in level.items():
            walk.inflow[track_id] += weight
            found = _rights_of(track_id, rights)
            if found is None:
                walk.kept[track_id] += weight
            elif depth == cap:
                _truncate(walk, found, weight, depth)
            else:
                for parent_id, lifted in _climb(walk, found, weight, depth).items():
                    upper[parent_id] += lifted
        level = upper
    return walk


# Dividing a track's own part ---------------------------------------------------------------


def _pay_tier(
    track_id: str, tier: PoolTier, kept: Fraction, out: dict[str, Fraction]
) -> TierPayout:
    """Each share of the pool is worth pool / total_shares; only minted shares are paid."""
    pool = kept * tier.pool_ppm / PPM
    for owner, shares in tier.shares_by_owner().items():
        out[owner] += pool * shares / tier.total_shares
    minted = tier.minted_shares()
    paid = pool * minted / tier.total_shares
    return TierPayout(
        track_id, tier.tier_id, tier.pool_ppm, tier.total_shares, minted, paid, pool - paid
    )


def _pay_sheet(
    track_id: str, sheet: Sheet | None, part: Fraction, out: dict[str, Fraction]
) -> None:
    """A missing sheet or an unknown payee sends that part to the track's suspense account."""
    if sheet is None:
        out[suspense_account(track_id)] += part
        return
    for entry in sheet.entries:
        out[entry.payee or suspense_account(track_id)] += part * entry.share_ppm / PPM


def _divide_own(
    track_id: str,
    kept: Fraction,
    rights: TrackRights | None,
    comp_ppm: int,
    out: dict[str, Fraction],
) -> tuple[Fraction, Fraction, list[TierPayout]]:
    """Pools first, then the source's composition/production split, then each sheet."""
    if rights is None:
        out[suspense_account(track_id)] += kept
        return Fraction(0), Fraction(0), []
    tiers = sorted(rights.tiers, key=lambda tier: tier.tier_id)
    payouts = [_pay_tier(track_id, tier, kept, out) for tier in tiers]
    rest = kept - sum((payout.to_holders for payout in payouts), Fraction(0))
    composition = rest * comp_ppm / PPM
    _pay_sheet(track_id, rights.composition, composition, out)
    _pay_sheet(track_id, rights.production, rest - composition, out)
    return composition, rest - composition, payouts


def _track_share(
    walk: _Walk, track_id: str, rights: TrackRights | None, parts: tuple[Fraction, Fraction]
) -> TrackShare:
    kept, (composition, production) = walk.kept[track_id], parts
    return TrackShare(
        track_id=track_id,
        known=rights is not None,
        inflow=walk.inflow[track_id],
        kept=kept,
        to_holders=kept - composition - production if rights else Fraction(0),
        composition=composition,
        production=production,
        composition_version=_version(rights.composition if rights else None),
        production_version=_version(rights.production if rights else None),
    )


def _version(sheet: Sheet | None) -> str | None:
    return sheet.version_id if sheet else None


# Plans, rounding, allocation ---------------------------------------------------------------


def _common_denominator(weights: Mapping[str, Fraction]) -> tuple[int, tuple[tuple[str, int], ...]]:
    """Integers over one denominator make rounding a floor division and comparable remainders."""
    nonzero = sorted((account, weight) for account, weight in weights.items() if weight)
    denominator = lcm(*(weight.denominator for _, weight in nonzero))
    numerators = tuple((a, w.numerator * (denominator // w.denominator)) for a, w in nonzero)
    if sum(n for _, n in numerators) != denominator:
        raise RuntimeError("allocation weights do not sum to 1: value was created or lost")
    return denominator, numerators


def compile_plan(
    track_id: str, source: str, rights: Mapping[str, TrackRights], policy: Policy
) -> SharePlan:
    """Everything about an event but its amount, so a batch can reuse it for many events."""
    _check_acyclic(track_id, rights)
    fee_ppm, comp_ppm = policy.fee_ppm(source), policy.composition_ppm(source)
    weights: dict[str, Fraction] = defaultdict(Fraction)
    weights[FEE_ACCOUNT] = Fraction(fee_ppm, PPM)
    walk = _propagate(track_id, 1 - weights[FEE_ACCOUNT], rights, policy.max_depth)
    tracks, tiers = [], []
    for reached in sorted(walk.kept):
        found = _rights_of(reached, rights)
        comp, prod, payouts = _divide_own(reached, walk.kept[reached], found, comp_ppm, weights)
        tracks.append(_track_share(walk, reached, found, (comp, prod)))
        tiers.extend(payouts)
    denominator, numerators = _common_denominator(weights)
    return SharePlan(
        track_id=track_id,
        source=source,
        fee_ppm=fee_ppm,
        composition_ppm=comp_ppm,
        max_depth=policy.max_depth,
        denominator=denominator,
        numerators=numerators,
        tracks=tuple(tracks),
        flows=tuple(sorted(walk.flows, key=lambda f: (f.depth, f.child_id, f.parent_id))),
        truncated=tuple(sorted(walk.truncated, key=lambda t: (t.depth, t.child_id, t.parent_id))),
        tiers=tuple(tiers),
    )


def _round_scaled(
    total: int, accounts: Sequence[str], scaled: Sequence[int], denominator: int, salt: str
) -> list[int]:
    """Floors every share, then gives the leftover units to the largest remainders."""
    rounded = [value // denominator for value in scaled]
    leftover = total - sum(rounded)
    if leftover == 0:
        return rounded
    remainders = [value % denominator for value in scaled]
    candidates = [i for i, remainder in enumerate(remainders) if remainder]
    if not 0 < leftover <= len(candidates):
        raise ValueError("shares do not sum to the total")
    for i in _winners(candidates, remainders, leftover, accounts, salt):
        rounded[i] += 1
    return rounded


def _winners(
    candidates: list[int], remainders: list[int], leftover: int, accounts: Sequence[str], salt: str
) -> list[int]:
    """Largest remainders first; the hash tie-break is computed only among the cutoff's ties."""
    candidates.sort(key=lambda i: -remainders[i])
    cutoff = remainders[candidates[leftover - 1]]
    sure = [i for i in candidates if remainders[i] > cutoff]
    tied = [i for i in candidates if remainders[i] == cutoff]
    tied.sort(key=lambda i: (tie_break_key(salt, accounts[i]), accounts[i]))
    return sure + tied[: leftover - len(sure)]


def round_shares(plan: SharePlan, event_id: str, amount: int) -> list[int]:
    """The credits of `apply_plan`, in the plan's account order, without building fractions."""
    scaled = [amount * numerator for _, numerator in plan.numerators]
    accounts = [account for account, _ in plan.numerators]
    return _round_scaled(amount, accounts, scaled, plan.denominator, event_id)


def largest_remainder(
    total: int, exact: Sequence[tuple[str, Fraction]], *, salt: str = ""
) -> dict[str, int]:
    """Rounds exact shares summing to `total` to integers summing to it, each within one unit."""
    accounts = [account for account, _ in exact]
    _check_unique(accounts, "account")
    if any(share < 0 for _, share in exact) or sum((s for _, s in exact), Fraction(0)) != total:
        raise ValueError(f"shares must be >= 0 and sum to {total}")
    denominator = lcm(*(share.denominator for _, share in exact))
    scaled = [share.numerator * (denominator // share.denominator) for _, share in exact]
    rounded = _round_scaled(total, accounts, scaled, denominator, salt)
    return dict(zip(accounts, rounded, strict=True))


def apply_plan(plan: SharePlan, event: EventInput) -> Allocation:
    """Rounds once per event: integer floors plus largest remainders, tie-broken by hash."""
    if (event.track_id, event.source) != (plan.track_id, plan.source):
        raise ValueError("the plan was compiled for another track or source")
    accounts = [account for account, _ in plan.numerators]
    scaled = [event.amount * numerator for _, numerator in plan.numerators]
    rounded = _round_scaled(event.amount, accounts, scaled, plan.denominator, event.event_id)
    exact = tuple(
        (account, Fraction(value, plan.denominator))
        for account, value in zip(accounts, scaled, strict=True)
    )
    lines = tuple(
        RoundingLine(account, share, credit)
        for (account, share), credit in zip(exact, rounded, strict=True)
    )
    credits = tuple(Credit(line.account, line.credit) for line in lines if line.credit)
    return Allocation(credits=credits, exact=exact, receipt=Receipt(event, plan, lines))


def allocate(event: EventInput, rights: Mapping[str, TrackRights], policy: Policy) -> Allocation:
    """Allocates one event over the rights in force at its instant (the caller resolves them)."""
    return apply_plan(compile_plan(event.track_id, event.source, rights, policy), event)
