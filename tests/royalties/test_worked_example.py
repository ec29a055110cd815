"""Every number of the worked example in docs/royalties.md."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from backbeat.royalties.allocation import allocate
from backbeat.royalties.rights import (
    EventInput,
    ParentEdge,
    Policy,
    Sheet,
    SheetEntry,
    TrackRights,
)

POLICY = Policy(fee_ppm_by_source={"sale": 100_000})
EVENT = EventInput("example-event", "R2", "sale", 10_000)
THREE_WAY = (("ana", 333_334), ("ben", 333_333), ("cy", 333_333))


def sheet(version: str, *entries: tuple[str, int]) -> Sheet:
    return Sheet(version, tuple(SheetEntry(payee, share) for payee, share in entries))


def rights(r2_composition: Sheet) -> dict[str, TrackRights]:
    return {
        "R2": TrackRights(
            "R2",
            (ParentEdge("R1", 250_000, "remix"),),
            r2_composition,
            sheet("r2-prod-1", ("dee", 1_000_000)),
        ),
        "R1": TrackRights(
            "R1",
            (ParentEdge("O", 200_000, "remix"),),
            sheet("r1-comp-1", ("eve", 1_000_000)),
            sheet("r1-prod-1", ("eve", 1_000_000)),
        ),
        "O": TrackRights(
            "O", (), sheet("o-comp-1", ("fay", 1_000_000)), sheet("o-prod-1", ("fay", 1_000_000))
        ),
    }


def test_the_sale_on_the_remix_of_a_remix() -> None:
    allocation = allocate(EVENT, rights(sheet("r2-comp-1", *THREE_WAY)), POLICY)
    assert dict(allocation.exact)["ana"] == Fraction(112500225, 100000)
    assert dict(allocation.exact)["ben"] == Fraction(1124998875, 1000000)
    assert {c.account: c.amount for c in allocation.credits} == {
        "ana": 1125,
        "ben": 1125,
        "cy": 1125,
        "dee": 3375,
        "eve": 1800,
        "fay": 450,
        "platform:fee": 1000,
    }
    flows = {(f.child_id, f.parent_id): f.weight * 10_000 for f in allocation.receipt.plan.flows}
    assert flows == {("R2", "R1"): 2250, ("R1", "O"): 450}


def test_the_restatement() -> None:
    before = allocate(EVENT, rights(sheet("r2-comp-1", *THREE_WAY)), POLICY)
    after = allocate(EVENT, rights(sheet("r2-comp-2", ("ana", 500_000), ("ben", 500_000))), POLICY)
    credits = {c.account: c.amount for c in after.credits}
    assert (credits["ana"], credits["ben"], "cy" in credits) == (1688, 1687, False)
    old = {c.account: c.amount for c in before.credits}
    assert credits["ana"] - old["ana"] == 563
    assert credits.get("cy", 0) - old["cy"] == -1125


def test_the_document_states_these_numbers(repo_root: Path) -> None:
    text = (repo_root / "docs" / "royalties.md").read_text()
    for phrase in ("Ana 1 125, Ben 1 125, Cy 1 125, Dee 3 375", "Ana 1 688, Ben", "+563"):
        assert phrase in text.replace("\n", " ")
