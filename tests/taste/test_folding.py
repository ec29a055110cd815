"""Taste folding: one event at a time equals a full recompute over the events that remain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat.taste.folding import Event, TasteState, at_time, decay, fold, fold_all, recompute

START = datetime(2026, 1, 1, tzinfo=UTC)
DIMENSION = 8


def unit(values: list[float]) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    return array / np.linalg.norm(array)


vectors = st.lists(
    st.floats(min_value=0.05, max_value=1.0), min_size=DIMENSION, max_size=DIMENSION
).map(unit)
events = st.builds(
    Event,
    vector=vectors,
    weight=st.sampled_from([1.0, 0.6, -0.5, 2.0, -2.0]),
    at=st.integers(min_value=0, max_value=400 * 86_400).map(lambda s: START + timedelta(seconds=s)),
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Event], list[Event]]:
    """Events in any order (imports arrive late), some later taken back; and those remaining."""
    added = draw(st.lists(events, min_size=1, max_size=40))
    taken_back = draw(st.sets(st.integers(0, len(added) - 1), max_size=len(added) - 1))
    folded = list(added)
    for index in sorted(taken_back):
        e = added[index]
        folded.insert(
            draw(st.integers(index + 1, len(folded))), Event(e.vector, e.weight, e.at, True)
        )
    remaining = [e for i, e in enumerate(added) if i not in taken_back]
    return folded, remaining


class TestFold:
    @settings(max_examples=300, deadline=None)
    @given(histories())
    def test_incremental_equals_full_recompute(
        self, history: tuple[list[Event], list[Event]]
    ) -> None:
        folded, remaining = history
        incremental = fold_all(TasteState.empty(DIMENSION, START), folded)
        full = recompute(remaining, DIMENSION)
        assert full is not None
        common = max(incremental.reference_at, full.reference_at)
        a, b = at_time(incremental, common), at_time(full, common)
        assert np.allclose(a.sum, b.sum, atol=1e-6, rtol=0)
        assert abs(a.mass - b.mass) < 1e-6
        assert incremental.events == len(remaining)

    def test_a_later_event_decays_the_earlier_ones(self) -> None:
        x, y = np.eye(DIMENSION)[0], np.eye(DIMENSION)[1]
        first = fold(TasteState.empty(DIMENSION, START), Event(x, 1.0, START), half_life_days=10)
        second = fold(first, Event(y, 1.0, START + timedelta(days=10)), half_life_days=10)
        assert np.allclose(second.sum, 0.5 * x + y)
        assert second.mass == 1.5

    def test_an_older_event_arrives_already_decayed(self) -> None:
        x, y = np.eye(DIMENSION)[0], np.eye(DIMENSION)[1]
        state = fold(TasteState.empty(DIMENSION, START), Event(x, 1.0, START + timedelta(days=10)))
        state = fold(state, Event(y, 1.0, START), half_life_days=30)
        assert state.reference_at == START + timedelta(days=10)
        assert np.isclose(state.sum[1], decay(10 * 86_400, 30))

    def test_a_skip_pushes_the_taste_away(self) -> None:
        x, y = np.eye(DIMENSION)[0], np.eye(DIMENSION)[1]
        state = fold_all(
            TasteState.empty(DIMENSION, START),
            [Event(x, 1.0, START), Event(unit([1, 1, 0, 0, 0, 0, 0, 0]), -0.5, START)],
        )
        direction = state.direction()
        assert direction is not None and direction @ y < 0

    def test_events_that_cancel_have_no_direction(self) -> None:
        x = np.eye(DIMENSION)[0]
        state = fold_all(
            TasteState.empty(DIMENSION, START), [Event(x, 2.0, START), Event(x, 2.0, START, True)]
        )
        assert state.direction() is None
        assert recompute([], DIMENSION) is None
