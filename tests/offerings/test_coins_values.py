"""Pure values of coins and pools: addresses against eth-utils, the supply and liquidity
invariants under random logs (hypothesis), and cursors that refuse what is not theirs."""

from __future__ import annotations

import pytest
from eth_utils.address import to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from backbeat.errors import Unprocessable
from backbeat.offerings.coin_balances import TransferRefused, apply_transfer, set_balance
from backbeat.offerings.coin_chain import UINT256_MAX, ZERO_ADDRESS, checksummed, tx_hash, uint256
from backbeat.offerings.coin_pages import COIN_KEY, EVENT_KEY, decode_cursor, encode_cursor
from backbeat.offerings.pool_reserves import (
    Amounts,
    EventRefused,
    PoolState,
    apply_event,
    check_shape,
)

HOLDERS = [ZERO_ADDRESS, *(checksummed(f"0x{n:040x}") for n in range(1, 5))]


class TestChainValues:
    @given(st.binary(min_size=20, max_size=20))
    def test_checksums_agree_with_eth_utils(self, raw: bytes) -> None:
        lower = "0x" + raw.hex()
        assert checksummed(lower) == to_checksum_address(lower)
        assert checksummed(lower.upper().replace("0X", "0x")) == to_checksum_address(lower)

    def test_a_wrong_checksum_or_shape_is_refused(self) -> None:
        good = to_checksum_address("0x" + "ab" * 20)
        flipped = good[:2] + good[2:].swapcase()
        for bad in (flipped, "0x1234", "ab" * 20):
            with pytest.raises(ValueError):
                checksummed(bad)

    def test_hashes_and_amounts(self) -> None:
        assert tx_hash("0x" + "AB" * 32) == "0x" + "ab" * 32
        assert uint256("007") == 7 and uint256(str(UINT256_MAX)) == UINT256_MAX
        for bad in (str(UINT256_MAX + 1), "-1", "1e3", "٣"):
            with pytest.raises(ValueError):
                uint256(bad)


transfers = st.lists(
    st.tuples(st.sampled_from(HOLDERS), st.sampled_from(HOLDERS), st.integers(0, 10**30)),
    max_size=40,
)


class TestSupplyInvariant:
    @given(transfers)
    def test_supply_is_always_the_sum_of_balances_and_none_is_negative(
        self, logs: list[tuple[str, str, int]]
    ) -> None:
        balances: dict[str, int] = {}
        supply = 0
        for sender, recipient, amount in logs:
            try:
                moved = apply_transfer(balances, supply, sender, recipient, amount)
            except TransferRefused:
                assert sender != ZERO_ADDRESS and balances.get(sender, 0) < amount
                continue
            balances.update(moved.balances)
            supply = moved.total_supply
            assert ZERO_ADDRESS not in balances
            assert min(balances.values(), default=0) >= 0
            assert sum(balances.values()) == supply

    @given(st.sampled_from(HOLDERS[1:]), st.integers(0, 10**30), st.integers(0, 10**30))
    def test_reconciling_moves_the_supply_by_the_change(
        self, holder: str, before: int, after: int
    ) -> None:
        moved = set_balance({holder: before}, before + 5, holder, after)
        assert moved.total_supply == after + 5 and moved.balances == {holder: after}

    def test_the_supply_never_overflows(self) -> None:
        with pytest.raises(TransferRefused):
            apply_transfer({}, UINT256_MAX, ZERO_ADDRESS, HOLDERS[1], 1)
        with pytest.raises(TransferRefused):
            set_balance({}, 0, ZERO_ADDRESS, 1)


amount = st.integers(0, 10**6)
events = st.lists(
    st.tuples(
        st.sampled_from(["swap", "mint", "burn"]),
        st.sampled_from(HOLDERS[1:]),
        amount,
        amount,
        amount,
        amount,
        amount,
    ),
    max_size=40,
)


class TestLiquidityInvariant:
    @given(events)
    def test_total_liquidity_is_the_sum_of_positions_and_reserves_stay_whole(
        self, logs: list[tuple[str, str, int, int, int, int, int]]
    ) -> None:
        state, positions = PoolState(0, 0, 0), dict[str, int]()
        for kind, owner, in0, in1, out0, out1, liquidity in logs:
            event = Amounts(kind, in0, in1, out0, out1, liquidity)  # type: ignore[arg-type]
            try:
                state, positions[owner] = apply_event(state, positions.get(owner, 0), event)
            except EventRefused:
                continue
            assert state.total_liquidity == sum(positions.values())
            assert min(state.reserve0, state.reserve1, *positions.values()) >= 0

    @pytest.mark.parametrize(
        "event",
        [
            Amounts("swap", amount0_in=1),
            Amounts("swap", amount0_in=1, amount1_out=1, liquidity=1),
            Amounts("mint", amount0_in=1),
            Amounts("mint", amount0_in=1, amount0_out=1, liquidity=1),
            Amounts("burn", amount0_out=1),
            Amounts("burn", amount0_in=1, liquidity=1),
        ],
    )
    def test_each_kind_carries_only_its_amounts(self, event: Amounts) -> None:
        with pytest.raises(EventRefused):
            check_shape(event)


class TestCursors:
    def test_a_cursor_round_trips_and_refuses_other_pages(self) -> None:
        cursor = encode_cursor("events", (7001, 4))
        assert decode_cursor(cursor, "events", EVENT_KEY) == ["7001", "4"]
        assert decode_cursor(None, "events", EVENT_KEY) == [None, None]
        for page, key in (("coins", COIN_KEY), ("events", EVENT_KEY)):
            with pytest.raises(Unprocessable):
                decode_cursor(
                    encode_cursor("events", (2**63, 0)) if page == "events" else cursor, page, key
                )
        with pytest.raises(Unprocessable):
            decode_cursor("%%%", "events", EVENT_KEY)
