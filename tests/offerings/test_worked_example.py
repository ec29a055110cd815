"""Every number of the worked example in docs/offerings.md, with the pure engine."""

from __future__ import annotations

from pathlib import Path

from backbeat.offerings.prorata import split_pro_rata
from backbeat.offerings.tiers import DEFAULT_TIERS, resolve_tiers
from backbeat.royalties.allocation import allocate
from backbeat.royalties.rights import (
    EventInput,
    Holding,
    Policy,
    PoolTier,
    Sheet,
    SheetEntry,
    TrackRights,
)

POLICY = Policy(fee_ppm_by_source={"stream": 100_000})
EVENT = EventInput("example-stream", "M", "stream", 10_000)


def rights(*holdings: tuple[int, str, int]) -> dict[str, TrackRights]:
    """The master with its default tiers and (tier, owner, shares) holdings."""
    tiers = resolve_tiers(DEFAULT_TIERS, 200)
    pools = tuple(
        PoolTier(
            str(t.tier),
            t.pool_ppm,
            t.count,
            tuple(Holding(owner, n) for tier, owner, n in holdings if tier == t.tier),
        )
        for t in tiers
        if any(tier == t.tier for tier, _, _ in holdings)
    )
    composition = Sheet("c", (SheetEntry("ana", 1_000_000),))
    production = Sheet("p", (SheetEntry("ana", 500_000), SheetEntry("bo", 500_000)))
    return {"M": TrackRights("M", (), composition, production, pools)}


def credits(found: dict[str, TrackRights]) -> dict[str, int]:
    return {c.account: c.amount for c in allocate(EVENT, found, POLICY).credits}


def test_the_stream_pays_holders_by_tier() -> None:
    tiers = resolve_tiers(DEFAULT_TIERS, 200)
    assert [(t.first, t.last) for t in tiers] == [(1, 10), (11, 50), (51, 100), (101, 200)]
    assert credits(rights((1, "cy", 10), (2, "dee", 15), (4, "ana", 20))) == {
        "ana": 5953,
        "bo": 1978,
        "cy": 900,
        "dee": 169,
        "platform:fee": 1000,
    }


def test_the_resale_pays_the_new_owner() -> None:
    after = credits(rights((1, "cy", 9), (1, "bo", 1), (2, "dee", 15), (4, "ana", 20)))
    assert (after["cy"], after["bo"]) == (810, 2068)


def test_the_dividend() -> None:
    lines = split_pro_rata(
        1000, [("ana", 20), ("dee", 15), ("cy", 9), ("bo", 1)], salt="example-dividend"
    )
    assert {line.account: line.credit for line in lines} == {
        "ana": 445,
        "dee": 333,
        "cy": 200,
        "bo": 22,
    }


def test_the_document_states_these_numbers(repo_root: Path) -> None:
    text = (repo_root / "docs" / "offerings.md").read_text().replace("\n", " ")
    for phrase in (
        "Ana 5 953, Bo 1 978, Cy 900, Dee 169, fee 1 000",
        "Cy 810 and Bo 1 978 + 90 = 2 068",
        "Ana 445, Dee 333, Cy 200, Bo 22",
    ):
        assert phrase in text
