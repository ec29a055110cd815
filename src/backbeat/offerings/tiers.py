"""Mover Advantage tiers: share counts and holders' pools, resolved to token ranges (pure).

A tier is the next `count` token numbers and a pool in ppm of the track's own part, divided
equally among its shares. The last tier's count may be omitted: it takes the rest of the supply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from backbeat.catalog.shares import PPM, InvalidShare, parse_percentage


@dataclass(frozen=True, slots=True)
class TierSpec:
    """A tier as configured: `count` None means the rest of the supply."""

    count: int | None
    pool: str


@dataclass(frozen=True, slots=True)
class TierRange:
    """A resolved tier: tokens `first..last` (inclusive) share `pool_ppm`."""

    tier: int
    first: int
    last: int
    pool_ppm: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1


DEFAULT_TIERS = (
    TierSpec(10, "10"),
    TierSpec(40, "5"),
    TierSpec(50, "3"),
    TierSpec(None, "1"),
)
"""AudiFi's Mover Advantage: the first 10 shares 10 %, next 40 5 %, next 50 3 %, the rest 1 %."""


class TierError(ValueError):
    """A tier configuration that breaks a rule; `field` names where (e.g. `tiers[2].pool`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def resolve_tiers(specs: Sequence[TierSpec], total_supply: int) -> list[TierRange]:
    """Token ranges covering 1..total_supply in order; pools may not exceed 100 % together."""
    if not specs:
        raise TierError("tiers", "at least one tier is needed")
    ranges, next_token, pools = [], 1, 0
    for index, spec in enumerate(specs):
        last_tier = index == len(specs) - 1
        count = _count_of(spec, index, last_tier, total_supply - next_token + 1)
        try:
            pool = parse_percentage(spec.pool)
        except InvalidShare as error:
            raise TierError(f"tiers[{index}].pool", str(error)) from None
        pools += pool
        if pools > PPM:
            raise TierError(f"tiers[{index}].pool", "the tiers' pools exceed 100 % together")
        ranges.append(TierRange(index + 1, next_token, next_token + count - 1, pool))
        next_token += count
    if next_token != total_supply + 1:
        raise TierError("tiers", f"the tiers cover {next_token - 1} of {total_supply} shares")
    return ranges


def _count_of(spec: TierSpec, index: int, last_tier: bool, remaining: int) -> int:
    if spec.count is None:
        if not last_tier:
            raise TierError(f"tiers[{index}].count", "only the last tier may omit its count")
        if remaining < 1:
            raise TierError(f"tiers[{index}].count", "no shares are left for this tier")
        return remaining
    if spec.count < 1:
        raise TierError(f"tiers[{index}].count", "a tier has at least one share")
    if spec.count > remaining:
        raise TierError(f"tiers[{index}].count", f"only {max(remaining, 0)} shares are left")
    return spec.count


def tier_of(ranges: Sequence[TierRange], token: int) -> int:
    """The tier a token number falls in."""
    for found in ranges:
        if found.first <= token <= found.last:
            return found.tier
    raise ValueError(f"token {token} is outside every tier")


def pool_per_share_percent(found: TierRange) -> str:
    """What one share of the tier earns, as a percentage of the track's own part (exact)."""
    share = Fraction(found.pool_ppm, found.count * 10_000)
    return _decimal(share)


def _decimal(value: Fraction) -> str:
    """A fraction as a decimal string, exact when it terminates, else to 8 places."""
    whole, rest = divmod(value.numerator, value.denominator)
    digits = []
    for _ in range(8):
        if not rest:
            break
        rest *= 10
        digit, rest = divmod(rest, value.denominator)
        digits.append(str(digit))
    return f"{whole}.{''.join(digits)}" if digits else str(whole)
