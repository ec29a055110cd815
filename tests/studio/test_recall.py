"""Mixx Recall's pure learning: decay, evidence counted once, forgetting, pinning, ranking."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from backbeat.studio.recall import (
    Observation,
    Suggestion,
    current_weight,
    decayed,
    learn,
    rank,
    top,
    value_key,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)
HALF_LIFE = timedelta(days=30)


def seen(category: str, value: object, evidence: str, days: float = 0) -> Observation:
    return Observation(category, value, evidence, T0 + timedelta(days=days))


class TestDecay:
    def test_half_the_weight_after_one_half_life(self) -> None:
        assert decayed(8.0, T0, T0 + HALF_LIFE, HALF_LIFE) == 4.0

    def test_no_growth_backwards_in_time(self) -> None:
        assert decayed(8.0, T0, T0 - HALF_LIFE, HALF_LIFE) == 8.0

    def test_pinned_never_decays(self) -> None:
        s = Suggestion("tempo", 140, 3.0, 3, T0, ("a",), pinned=True)
        assert current_weight(s, T0 + 10 * HALF_LIFE, HALF_LIFE) == 3.0

    @given(st.floats(0.1, 100), st.floats(0, 1000))
    def test_decay_never_increases(self, weight: float, days: float) -> None:
        assert decayed(weight, T0, T0 + timedelta(days=days), HALF_LIFE) <= weight


class TestLearn:
    def test_counts_each_evidence_once(self) -> None:
        (learned,) = learn(
            [], [seen("tempo", 140, "p@v1"), seen("tempo", 140.0, "p@v1")], HALF_LIFE
        )
        assert (learned.usage_count, learned.weight, learned.evidence) == (1, 1.0, ("p@v1",))

    def test_repeated_evidence_adds_decayed_weight(self) -> None:
        (learned,) = learn(
            [], [seen("tempo", 140, "a"), seen("tempo", 140, "b", days=30)], HALF_LIFE
        )
        assert learned.weight == 1.5 and learned.usage_count == 2
        assert learned.last_used_at == T0 + HALF_LIFE

    def test_a_forgotten_suggestion_ignores_old_evidence_but_learns_from_new(self) -> None:
        (first,) = learn([], [seen("key", "Am", "a")], HALF_LIFE)
        forgotten = replace(first, forgotten=True, weight=0.0)
        assert learn([forgotten], [seen("key", "Am", "a", days=1)], HALF_LIFE) == []
        (back,) = learn([forgotten], [seen("key", "Am", "b", days=1)], HALF_LIFE)
        assert not back.forgotten and back.weight == 1.0

    def test_values_are_one_key_per_json_value(self) -> None:
        assert value_key(140.0) == value_key(140) != value_key("140")


class TestRank:
    def test_confidence_is_a_shrunk_share_of_the_category(self) -> None:
        learned = learn(
            [],
            [seen("tempo", 140, f"a{n}") for n in range(3)] + [seen("tempo", 90, "b")],
            HALF_LIFE,
        )
        ranked = rank(learned, T0, HALF_LIFE)
        assert [r.suggestion.value for r in ranked] == [140, 90]
        assert [round(r.confidence, 3) for r in ranked] == [0.6, 0.2]
        assert top(ranked) == {"tempo": 140}

    def test_old_habits_fade_below_new_ones(self) -> None:
        old = [seen("genre", "trap", f"o{n}") for n in range(4)]
        new = [seen("genre", "house", f"n{n}", days=120) for n in range(2)]
        ranked = rank(learn([], old + new, HALF_LIFE), T0 + timedelta(days=120), HALF_LIFE)
        assert top(ranked) == {"genre": "house"}
