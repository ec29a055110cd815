"""Position keys: always strictly between their neighbours, short, and rebalanced in order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backbeat.library.positions import MAX_KEY_LENGTH, key_between, spread


class TestKeyBetween:
    def test_first_key_and_ends(self) -> None:
        first = key_between(None, None)
        assert key_between(None, first) < first < key_between(first, None)

    @given(st.lists(st.tuples(st.integers(0, 10_000), st.booleans()), max_size=200))
    def test_random_inserts_keep_order_and_never_collide(
        self, moves: list[tuple[int, bool]]
    ) -> None:
        keys: list[str] = []
        for where, _ in moves:
            at = where % (len(keys) + 1)
            low = keys[at - 1] if at > 0 else None
            high = keys[at] if at < len(keys) else None
            new = key_between(low, high)
            assert (low is None or low < new) and (high is None or new < high)
            keys.insert(at, new)
        assert keys == sorted(keys) and len(set(keys)) == len(keys)

    def test_inserting_at_the_same_place_grows_slowly(self) -> None:
        low, high = key_between(None, None), None
        high = key_between(low, None)
        for _ in range(100):
            high = key_between(low, high)
        assert len(high) < MAX_KEY_LENGTH

    @pytest.mark.parametrize(("low", "high"), [("b", "a"), ("a", "a"), ("a0", None), ("", None)])
    def test_refuses_bad_neighbours(self, low: str, high: str | None) -> None:
        with pytest.raises(ValueError):
            key_between(low, high)


class TestSpread:
    @given(st.integers(0, 5000))
    def test_spread_keys_are_ordered_valid_and_short(self, count: int) -> None:
        keys = spread(count)
        assert len(keys) == count and keys == sorted(keys) and len(set(keys)) == count
        assert all(not k.endswith("0") and len(k) <= 4 for k in keys)
        if keys:
            assert key_between(keys[-1], None) > keys[-1]
