"""Taste vectors as an exponentially time-decayed weighted mean, folded one event at a time.

A user's taste is `sum / mass`, where at a reference time R

    sum  = Σ wᵢ · exp(-λ (R - tᵢ)) · vᵢ          (wᵢ < 0 for skips and dislikes)
    mass = Σ |wᵢ| · exp(-λ (R - tᵢ))              (λ = ln 2 / half-life)

Folding one event costs O(d): a later event scales the state to its time and adds itself; an
earlier one (an import of old listens) adds itself already decayed. Removing a like or a listen
folds a retraction, which subtracts exactly what the event had added. So the folded state equals a
full recompute over the events that remain, up to rounding (tests/taste/test_folding.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[np.float64]
DEFAULT_HALF_LIFE_DAYS = 30.0
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Event:
    """Something the user did to a track with a vector: its signed weight, when, and whether it
    takes back an earlier event of the same weight and time (an unlike, a deleted listen)."""

    vector: Vector
    weight: float
    at: datetime
    retraction: bool = False


@dataclass(frozen=True)
class TasteState:
    """The decayed sum and mass at `reference_at`, and how many events made them."""

    sum: Vector
    mass: float
    reference_at: datetime
    events: int

    @classmethod
    def empty(cls, dimension: int, at: datetime) -> TasteState:
        return cls(np.zeros(dimension), 0.0, at, 0)

    def mean(self) -> Vector:
        """The weighted mean vector (zero while nothing has weight)."""
        return self.sum / self.mass if self.mass > 0 else np.zeros_like(self.sum)

    def direction(self) -> Vector | None:
        """The taste as a unit vector, or None when the events cancel out."""
        norm = float(np.linalg.norm(self.sum))
        return self.sum / norm if norm > 1e-12 else None


def decay(seconds: float, half_life_days: float) -> float:
    """exp(-λ·Δt): the factor an event loses over `seconds`."""
    return math.exp(-math.log(2) * seconds / (half_life_days * SECONDS_PER_DAY))


def fold(
    state: TasteState, event: Event, *, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> TasteState:
    """The state with one more event (or one event taken back), in O(d)."""
    sign = -1.0 if event.retraction else 1.0
    weight, mass = sign * event.weight, sign * abs(event.weight)
    count = state.events + (-1 if event.retraction else 1)
    if state.events == 0 and state.mass == 0.0 and not event.retraction:
        return TasteState(weight * event.vector, mass, event.at, count)
    elapsed = (event.at - state.reference_at).total_seconds()
    if elapsed >= 0:
        kept = decay(elapsed, half_life_days)
        return TasteState(
            kept * state.sum + weight * event.vector, kept * state.mass + mass, event.at, count
        )
    aged = decay(-elapsed, half_life_days)
    return TasteState(
        state.sum + (aged * weight) * event.vector,
        state.mass + aged * mass,
        state.reference_at,
        count,
    )


def fold_all(
    state: TasteState, events: Iterable[Event], *, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> TasteState:
    """Fold events in the order given."""
    for event in events:
        state = fold(state, event, half_life_days=half_life_days)
    return state


def recompute(
    events: Iterable[Event], dimension: int, *, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> TasteState | None:
    """The state from scratch, at the latest event's time (None without events)."""
    kept = [event for event in events if not event.retraction]
    if not kept:
        return None
    reference = max(event.at for event in kept)
    factors = np.array(
        [decay((reference - e.at).total_seconds(), half_life_days) for e in kept], dtype=np.float64
    )
    weights = np.array([e.weight for e in kept], dtype=np.float64)
    vectors = np.vstack([e.vector for e in kept]).reshape(len(kept), dimension)
    total = (factors * weights) @ vectors
    return TasteState(total, float(factors @ np.abs(weights)), reference, len(kept))


def at_time(
    state: TasteState, when: datetime, *, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> TasteState:
    """The same state expressed at a later reference time (for comparing two states)."""
    elapsed = (when - state.reference_at).total_seconds()
    kept = decay(elapsed, half_life_days)
    return TasteState(kept * state.sum, kept * state.mass, when, state.events)
