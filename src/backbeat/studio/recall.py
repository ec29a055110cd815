"""Mixx Recall's learning, pure: observations fold into suggestions whose weight decays with age.

A suggestion's weight is a sum of observations, each halving every `half_life`; a pinned one never
decays. Each observation names its evidence (a project version, a preset, the account's
preferences) and counts once: learning is idempotent, and a forgotten suggestion comes back only
from evidence it has not seen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

PRIOR_MASS = 1.0
"""Unseen alternatives: one observation alone gives a confidence of 1/2, not certainty."""
MAX_EVIDENCE = 50
"""Evidence kept per suggestion (the newest)."""


@dataclass(frozen=True)
class Observation:
    """Something the user did: a value in a category, and what shows it."""

    category: str
    value: Any
    evidence: str
    at: datetime


@dataclass(frozen=True)
class Suggestion:
    """A learned preference as stored."""

    category: str
    value: Any
    weight: float
    usage_count: int
    last_used_at: datetime
    evidence: tuple[str, ...]
    pinned: bool = False
    forgotten: bool = False

    @property
    def value_key(self) -> str:
        return value_key(self.value)


@dataclass(frozen=True)
class Ranked:
    """A suggestion as the user sees it now."""

    suggestion: Suggestion
    weight: float
    confidence: float


def value_key(value: Any) -> str:
    """One spelling per value, so 140 and 140.0 are one tempo."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def decayed(weight: float, since: datetime, now: datetime, half_life: timedelta) -> float:
    """The weight after `now - since` of halving every half_life (never grows backwards)."""
    age = max((now - since) / half_life, 0.0)
    return float(weight * 0.5**age)


def current_weight(s: Suggestion, now: datetime, half_life: timedelta) -> float:
    """What a suggestion weighs now (pinned: as learned; forgotten: nothing)."""
    if s.forgotten:
        return 0.0
    return s.weight if s.pinned else decayed(s.weight, s.last_used_at, now, half_life)


def observe(s: Suggestion | None, o: Observation, half_life: timedelta) -> Suggestion | None:
    """The suggestion after one observation; None when the evidence was already counted."""
    if s is None:
        return Suggestion(o.category, o.value, 1.0, 1, o.at, (o.evidence,))
    if o.evidence in s.evidence:
        return None
    base = 0.0 if s.forgotten else s.weight
    if not s.pinned and not s.forgotten:
        base = decayed(base, s.last_used_at, o.at, half_life)
    return replace(
        s,
        weight=base + 1.0,
        usage_count=s.usage_count + 1,
        last_used_at=max(s.last_used_at, o.at),
        evidence=(*s.evidence, o.evidence)[-MAX_EVIDENCE:],
        forgotten=False,
    )


def learn(
    known: Iterable[Suggestion], observations: Sequence[Observation], half_life: timedelta
) -> list[Suggestion]:
    """Fold observations (in time order) into the suggestions; returns the ones that changed."""
    by_key = {(s.category, s.value_key): s for s in known}
    changed: dict[tuple[str, str], Suggestion] = {}
    for o in sorted(observations, key=lambda o: o.at):
        key = (o.category, value_key(o.value))
        learned = observe(by_key.get(key), o, half_life)
        if learned is not None:
            by_key[key] = changed[key] = learned
    return list(changed.values())


def rank(suggestions: Iterable[Suggestion], now: datetime, half_life: timedelta) -> list[Ranked]:
    """Live suggestions with their confidence (their share of the category's weight, shrunk
    towards unseen alternatives), best first within each category."""
    live = [(s, current_weight(s, now, half_life)) for s in suggestions if not s.forgotten]
    totals: dict[str, float] = {}
    for s, weight in live:
        totals[s.category] = totals.get(s.category, 0.0) + weight
    ranked = [
        Ranked(s, weight, 1.0 if s.pinned else weight / (totals[s.category] + PRIOR_MASS))
        for s, weight in live
    ]
    return sorted(
        ranked, key=lambda r: (r.suggestion.category, -r.confidence, r.suggestion.value_key)
    )


def top(ranked: Iterable[Ranked]) -> dict[str, Any]:
    """The best value of each category."""
    best: dict[str, Any] = {}
    for r in ranked:
        best.setdefault(r.suggestion.category, r.suggestion.value)
    return best
