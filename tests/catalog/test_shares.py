"""Percentages ↔ ppm, equal splits, payees and split validation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backbeat.catalog.shares import (
    PPM,
    InvalidShare,
    PayeeRef,
    SplitLine,
    check_split,
    format_percentage,
    parse_payee,
    parse_percentage,
    resolve_lines,
    split_equal,
)
from backbeat.catalog.vocabulary import Role

SP = "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"
EVM = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"


@pytest.mark.parametrize(
    ("text", "ppm"),
    [
        ("100", 1_000_000),
        ("33.3334", 333_334),
        ("33.3333", 333_333),
        ("50.00", 500_000),
        ("0.0001", 1),
        ("12.5", 125_000),
        (" 7 ", 70_000),
        ("0", 0),
    ],
)
def test_parse_percentage(text: str, ppm: int) -> None:
    assert parse_percentage(text) == ppm


@pytest.mark.parametrize("text", ["", "abc", "-5", "1e2", "33.33333", "100.0001", "1000", ".5"])
def test_parse_percentage_refuses(text: str) -> None:
    with pytest.raises(InvalidShare):
        parse_percentage(text)


@pytest.mark.parametrize(
    ("ppm", "text"), [(1_000_000, "100"), (333_334, "33.3334"), (125_000, "12.5"), (1, "0.0001")]
)
def test_format_percentage(ppm: int, text: str) -> None:
    assert format_percentage(ppm) == text


@given(st.integers(min_value=0, max_value=PPM))
def test_format_then_parse_is_exact(ppm: int) -> None:
    assert parse_percentage(format_percentage(ppm)) == ppm


@given(st.integers(min_value=1, max_value=2_000))
def test_equal_split_sums_to_100_and_differs_by_at_most_one_ppm(count: int) -> None:
    shares = split_equal(count)
    assert len(shares) == count
    assert sum(shares) == PPM
    assert max(shares) - min(shares) <= 1


def test_equal_split_of_three_gives_the_extra_ppm_to_the_first() -> None:
    assert split_equal(3) == [333_334, 333_333, 333_333]


def test_equal_split_of_zero_is_refused() -> None:
    with pytest.raises(InvalidShare):
        split_equal(0)


class TestPayees:
    def test_user_payee(self) -> None:
        user = uuid.uuid4()
        payee = parse_payee(f"user:{user}")
        assert payee == PayeeRef(user_id=user)
        assert str(payee) == f"user:{user}"

    @pytest.mark.parametrize(
        ("text", "normalised"),
        [
            (SP, f"stacks:1:{SP}"),
            (SP.lower(), f"stacks:1:{SP}"),
            (EVM.lower(), f"eip155:1:{EVM}"),
            (f"eip155:137:{EVM}", f"eip155:137:{EVM}"),
        ],
    )
    def test_wallet_payee_is_normalised(self, text: str, normalised: str) -> None:
        assert str(parse_payee(text)) == normalised

    @pytest.mark.parametrize("text", ["user:nope", "bob", "0x1234", "SPXYZ"])
    def test_bad_payee(self, text: str) -> None:
        with pytest.raises(InvalidShare):
            parse_payee(text)


class TestCheckSplit:
    a, b = parse_payee(SP), parse_payee(EVM)

    def test_valid(self) -> None:
        check_split([(self.a, 600_000), (self.b, 400_000)])

    @pytest.mark.parametrize(
        ("entries", "reason"),
        [
            ([], "at least one"),
            ([(a, 500_000), (b, 400_000)], "sum to 90 %"),
            ([(a, 600_000), (b, 500_000)], "sum to 110 %"),
            ([(a, 500_000), (a, 500_000)], "twice"),
            ([(a, 1_000_000), (b, 0)], "more than 0"),
            ([(a, 1_100_000), (b, -100_000)], "more than 0"),
        ],
    )
    def test_invalid(self, entries: list[tuple[PayeeRef, int]], reason: str) -> None:
        with pytest.raises(InvalidShare, match=reason):
            check_split(entries)

    @given(st.integers(min_value=1, max_value=50))
    def test_equal_splits_always_pass(self, count: int) -> None:
        payees = [PayeeRef(user_id=uuid.UUID(int=i + 1)) for i in range(count)]
        check_split(list(zip(payees, split_equal(count), strict=True)))


@dataclass(frozen=True)
class Entry:
    payee: str
    share: str | None = None
    role: Role | None = None


class TestResolveLines:
    def test_reads_shares_and_gives_the_default_role(self) -> None:
        user = uuid.uuid4()
        entries = [Entry(f"user:{user}", "60", Role.PRODUCER), Entry(SP, "40")]
        assert resolve_lines(entries, None, Role.COMPOSER) == [
            SplitLine(PayeeRef(user_id=user), 600_000, Role.PRODUCER),
            SplitLine(PayeeRef(wallet=f"stacks:1:{SP}"), 400_000, Role.COMPOSER),
        ]

    def test_splits_equally_by_largest_remainder(self) -> None:
        entries = [Entry(SP), Entry(EVM), Entry(f"user:{uuid.uuid4()}")]
        lines = resolve_lines(entries, "equal", Role.COMPOSER)
        assert [line.share_ppm for line in lines] == [333_334, 333_333, 333_333]

    @pytest.mark.parametrize(
        ("entries", "split", "reason"),
        [
            ([Entry(SP, "100")], "equal", "no shares with split=equal"),
            ([Entry(SP, "50"), Entry(EVM)], None, "every entry needs a share"),
            ([Entry(SP, "50"), Entry(EVM, "40")], None, "sum to 90 %"),
            ([Entry(SP, "50"), Entry(SP.lower(), "50")], None, "appears twice"),
            ([Entry("nobody", "100")], None, "not a payee"),
        ],
    )
    def test_refuses_a_broken_split(
        self, entries: list[Entry], split: str | None, reason: str
    ) -> None:
        with pytest.raises(InvalidShare, match=reason):
            resolve_lines(entries, split, Role.COMPOSER)
