import json
import random
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from itertools import pairwise
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat.royalties.accounts import FEE_ACCOUNT
from backbeat.royalties.allocation import (
    Allocation,
    allocate,
    apply_plan,
    compile_plan,
    largest_remainder,
)
from backbeat.royalties.receipts import receipt_json
from backbeat.royalties.rights import (
    PPM,
    EventInput,
    Holding,
    ParentEdge,
    Policy,
    PoolTier,
    Sheet,
    SheetEntry,
    TrackRights,
    tie_break_key,
)

PAYEES = ("user:ana", "user:bo", "user:cy", "user:dee", "eip155:1:0xabc", "stacks:SP123")
GHOST = "track:ghost"
T = TypeVar("T")


def sheet(version: str, *entries: tuple[str | None, int]) -> Sheet:
    return Sheet(version, tuple(SheetEntry(payee, share) for payee, share in entries))


def solo(version: str, payee: str) -> Sheet:
    return sheet(version, (payee, PPM))


def event(
    track_id: str, amount: int, event_id: str = "evt-1", source: str = "stream"
) -> EventInput:
    return EventInput(event_id, track_id, source, amount)


def credits_of(allocation: Allocation) -> dict[str, int]:
    return {credit.account: credit.amount for credit in allocation.credits}


def remix_chain() -> dict[str, TrackRights]:
    """A remixes B (30 %), B samples C (20 %); A's composition is a three-way split."""
    three_way = sheet("a-comp-1", ("user:a1", 333_334), ("user:a2", 333_333), ("user:a3", 333_333))
    return {
        "A": TrackRights(
            "A", (ParentEdge("B", 300_000, "remix"),), three_way, solo("a-p", "user:ap")
        ),
        "B": TrackRights(
            "B", (ParentEdge("C", 200_000, "sample"),), solo("b-c", "user:b"), solo("b-p", "user:b")
        ),
        "C": TrackRights("C", (), None, solo("c-p", "user:c")),
    }


HALF = 500_000
STREAM_FEE_10 = Policy(fee_ppm_by_source={"stream": 100_000})


class TestSheet:
    def test_entries_must_sum_to_one_million(self) -> None:
        with pytest.raises(ValueError, match="sums to"):
            sheet("v", ("user:a", 600_000), ("user:b", 300_000))

    def test_duplicate_payee_is_refused(self) -> None:
        with pytest.raises(ValueError, match="duplicate"):
            sheet("v", ("user:a", 500_000), ("user:a", 500_000))

    def test_several_unknown_payees_are_allowed(self) -> None:
        assert len(sheet("v", (None, 500_000), (None, 500_000)).entries) == 2

    def test_negative_share_is_refused(self) -> None:
        with pytest.raises(ValueError, match="ppm"):
            SheetEntry("user:a", -1)


class TestParentEdge:
    def test_kind_without_money_is_refused(self) -> None:
        with pytest.raises(ValueError, match="carries no money"):
            ParentEdge("P", 100_000, "inspired_by")


class TestPoolTier:
    def test_minted_shares_cannot_exceed_total(self) -> None:
        with pytest.raises(ValueError, match="minted"):
            PoolTier("t", 100_000, 2, (Holding("user:a", 2), Holding("user:b", 1)))

    def test_shares_by_owner_merges_holdings(self) -> None:
        tier = PoolTier(
            "t", 1, 9, (Holding("user:b", 1), Holding("user:a", 2), Holding("user:b", 3))
        )
        assert tier.shares_by_owner() == {"user:a": 2, "user:b": 4}


class TestTrackRights:
    def test_parents_over_one_hundred_percent_are_refused(self) -> None:
        edges = (ParentEdge("P", 600_000, "remix"), ParentEdge("Q", 400_001, "sample"))
        with pytest.raises(ValueError, match="more than 100"):
            TrackRights("T", edges)

    def test_self_parent_is_refused(self) -> None:
        with pytest.raises(ValueError, match="own parent"):
            TrackRights("T", (ParentEdge("T", 1, "remix"),))

    def test_duplicate_parent_is_refused(self) -> None:
        with pytest.raises(ValueError, match="duplicate parent"):
            TrackRights("T", (ParentEdge("P", 1, "remix"), ParentEdge("P", 2, "sample")))


class TestPolicy:
    def test_unlisted_source_uses_defaults(self) -> None:
        policy = Policy({"stream": 100_000}, {"sync": 700_000}, default_fee_ppm=5)
        assert (policy.fee_ppm("sale"), policy.composition_ppm("sale")) == (5, 500_000)
        assert (policy.fee_ppm("stream"), policy.composition_ppm("sync")) == (100_000, 700_000)

    def test_fee_over_one_hundred_percent_is_refused(self) -> None:
        with pytest.raises(ValueError, match="fee for stream"):
            Policy({"stream": PPM + 1})


class TestEventInput:
    def test_negative_amount_is_refused(self) -> None:
        with pytest.raises(ValueError, match=">= 0"):
            event("A", -1)

    def test_float_amount_is_refused(self) -> None:
        with pytest.raises(ValueError, match="int"):
            EventInput("e", "A", "stream", 1.5)  # type: ignore[arg-type]


class TestTieBreakKey:
    def test_is_the_sha256_of_event_and_account(self) -> None:
        import hashlib

        assert tie_break_key("e", "user:a") == hashlib.sha256(b"e|user:a").digest()


class TestLargestRemainder:
    def test_leftover_goes_to_largest_remainders(self) -> None:
        exact = [("a", Fraction(16, 10)), ("b", Fraction(27, 10)), ("c", Fraction(57, 10))]
        assert largest_remainder(10, exact) == {"a": 1, "b": 3, "c": 6}

    def test_ties_go_to_the_smallest_hash_key(self) -> None:
        third = Fraction(1, 3)
        won = largest_remainder(1, [("a", third), ("b", third), ("c", third)], salt="e9")
        assert won[min("abc", key=lambda account: tie_break_key("e9", account))] == 1

    def test_shares_not_summing_to_total_are_refused(self) -> None:
        with pytest.raises(ValueError, match="sum to 3"):
            largest_remainder(3, [("a", Fraction(1)), ("b", Fraction(1))])


class TestAllocate:
    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            # fee 1000; B gets 30 % of 9000 = 2700, A keeps 6300 (3150 + 3150);
            # C gets 20 % of 2700 = 540 (no composition sheet: 270 to suspense), B keeps 2160;
            # A's composition 3150 -> 1050.0021, 1049.99895, 1049.99895: two leftover units
            # go to the two 0.99895 remainders.
            (
                10_000,
                {FEE_ACCOUNT: 1000, "user:a1": 1050, "user:a2": 1050, "user:a3": 1050}
                | {"user:ap": 3150, "user:b": 2160, "suspense:C": 270, "user:c": 270},
            ),
            # exact: fee 0.7, a1 0.73500147, a2 = a3 0.734999265, ap 2.205, b 1.512,
            # suspense:C 0.189, c 0.189; floors sum to 3, the 4 leftover units go to
            # a1, a2, a3 and the fee.
            (
                7,
                {FEE_ACCOUNT: 1, "user:a1": 1, "user:a2": 1, "user:a3": 1, "user:ap": 2}
                | {"user:b": 1},
            ),
        ],
    )
    def test_remix_of_remix_with_fee_and_three_way_split(
        self, amount: int, expected: dict[str, int]
    ) -> None:
        assert credits_of(allocate(event("A", amount), remix_chain(), STREAM_FEE_10)) == expected

    def test_exact_shares_are_rational(self) -> None:
        exact = dict(allocate(event("A", 7), remix_chain(), STREAM_FEE_10).exact)
        assert exact["user:a1"] == Fraction(73_500_147, 10**8)
        assert exact["suspense:C"] == Fraction(189, 1000)

    def test_amount_zero_gives_no_credits(self) -> None:
        allocation = allocate(event("A", 0), remix_chain(), STREAM_FEE_10)
        assert allocation.credits == ()
        assert all(share == 0 for _, share in allocation.exact)

    def test_holders_pool_pays_minted_shares_and_leaves_unminted_to_sheets(self) -> None:
        # own 1000; pool 10 % = 100 over 4 shares (25 each): ana 2 -> 50, bo 1 -> 25;
        # the unminted share's 25 stays: 925 split 60/40 -> 555 and 370.
        tier = PoolTier("gold", 100_000, 4, (Holding("user:ana", 2), Holding("user:bo", 1)))
        rights = {
            "T": TrackRights("T", (), solo("c", "user:comp"), solo("p", "user:prod"), (tier,))
        }
        policy = Policy(composition_ppm_by_source={"stream": 600_000})
        got = credits_of(allocate(event("T", 1000), rights, policy))
        assert got == {"user:ana": 50, "user:bo": 25, "user:comp": 555, "user:prod": 370}

    def test_unknown_payee_part_goes_to_track_suspense(self) -> None:
        comp = sheet("c", ("user:a", 250_000), (None, 750_000))
        rights = {"T": TrackRights("T", (), comp, solo("p", "user:a"))}
        got = credits_of(allocate(event("T", 800), rights, Policy()))
        assert got == {"user:a": 500, "suspense:T": 300}

    def test_unknown_parent_goes_to_its_own_suspense(self) -> None:
        rights = {"T": TrackRights("T", (ParentEdge(GHOST, 250_000, "sample"),), solo("c", "u:a"))}
        got = credits_of(allocate(event("T", 400), rights, Policy()))
        assert got == {f"suspense:{GHOST}": 100, "u:a": 150, "suspense:T": 150}

    def test_unknown_event_track_goes_wholly_to_suspense_after_fee(self) -> None:
        got = credits_of(allocate(event("nowhere", 100), {}, STREAM_FEE_10))
        assert got == {FEE_ACCOUNT: 10, "suspense:nowhere": 90}

    def test_depth_cap_leaves_the_part_with_the_capped_track(self) -> None:
        allocation = allocate(event("A", 10_000), remix_chain(), Policy(max_depth=1))
        assert credits_of(allocation)["user:b"] == 3000
        assert "user:c" not in credits_of(allocation)
        edge = allocation.receipt.plan.truncated[0]
        assert (edge.child_id, edge.parent_id, edge.depth) == ("B", "C", 2)

    def test_diamond_parent_accumulates_and_gets_one_credit(self) -> None:
        # D remixes L and R (50 % each); L and R each sample P at 40 %: P gets 0.2 + 0.2.
        to_p = (ParentEdge("P", 400_000, "sample"),)
        rights = {
            "D": TrackRights("D", (ParentEdge("L", HALF, "remix"), ParentEdge("R", HALF, "remix"))),
            "L": TrackRights("L", to_p, solo("l", "u:l"), solo("x", "u:l")),
            "R": TrackRights("R", to_p, solo("r", "u:r"), solo("y", "u:r")),
            "P": TrackRights("P", (), solo("p", "u:p"), solo("q", "u:p")),
        }
        allocation = allocate(event("D", 1000), rights, Policy())
        assert credits_of(allocation) == {"u:p": 400, "u:l": 300, "u:r": 300}
        assert [credit.account for credit in allocation.credits] == ["u:l", "u:p", "u:r"]

    def test_cycle_is_refused(self) -> None:
        rights = {
            "A": TrackRights("A", (ParentEdge("B", 1, "remix"),)),
            "B": TrackRights("B", (ParentEdge("A", 1, "remix"),)),
        }
        with pytest.raises(ValueError, match="cycle"):
            allocate(event("A", 1), rights, Policy())

    def test_rights_under_the_wrong_key_are_refused(self) -> None:
        with pytest.raises(ValueError, match="describes track"):
            allocate(event("A", 1), {"A": TrackRights("B")}, Policy())

    def test_ties_do_not_always_favour_the_same_payee(self) -> None:
        split = sheet("s", ("user:a", 333_334), ("user:b", 333_333), ("user:c", 333_333))
        rights = {"T": TrackRights("T", (), split, split)}
        wins = Counter(
            credit.account
            for n in range(300)
            for credit in allocate(event("T", 2, f"evt-{n}"), rights, Policy()).credits
            if credit.account != "user:a"
        )
        assert min(wins["user:b"], wins["user:c"]) > 100


class TestApplyPlan:
    def test_one_plan_serves_many_amounts(self) -> None:
        plan = compile_plan("A", "stream", remix_chain(), STREAM_FEE_10)
        for amount in (0, 1, 7, 10**70):
            expected = allocate(event("A", amount), remix_chain(), STREAM_FEE_10)
            assert apply_plan(plan, event("A", amount)) == expected

    def test_event_for_another_track_is_refused(self) -> None:
        plan = compile_plan("A", "stream", remix_chain(), STREAM_FEE_10)
        with pytest.raises(ValueError, match="another track"):
            apply_plan(plan, event("B", 1))


class TestReceiptJson:
    def test_is_canonical_with_fractions_as_strings(self) -> None:
        text = receipt_json(allocate(event("A", 7), remix_chain(), STREAM_FEE_10))
        parsed = json.loads(text)
        assert text == json.dumps(parsed, sort_keys=True, separators=(",", ":"))
        assert parsed["plan"]["flows"][0]["weight"] == "27/100"
        versions = {t["track_id"]: t["composition_version"] for t in parsed["plan"]["tracks"]}
        assert versions == {"A": "a-comp-1", "B": "b-c", "C": None}


# Properties over random catalogs ------------------------------------------------------------


UNIT = st.one_of(st.integers(0, PPM), st.integers(0, PPM).map(lambda u: PPM - u))
SMALL = st.integers(0, 7)
PAYEE_SETS = st.lists(st.sampled_from(PAYEES), min_size=1, max_size=6, unique=True)
OWNER_SETS = st.lists(st.sampled_from([*PAYEES, "holder:z"]), max_size=3, unique=True)
PARENT_PICKS = st.lists(SMALL, min_size=1, max_size=3)
EDGE_TOTAL = st.one_of(st.integers(1, PPM), st.just(PPM))
KINDS = st.sampled_from(["remix", "sample", "interpolation"])


def cuts(draw: st.DrawFn, parts: int, total: int) -> list[int]:
    """`parts` non-negative integers summing to `total` (constant strategies keep this fast)."""
    points = sorted(total * draw(UNIT) // PPM for _ in range(parts - 1))
    return [high - low for low, high in pairwise([0, *points, total])]


def sheets(draw: st.DrawFn, version: str) -> Sheet | None:
    if draw(SMALL) == 0:
        return None
    payees: list[str | None] = list(draw(PAYEE_SETS))
    if draw(SMALL) == 0:
        payees[0] = None
    return Sheet(version, tuple(map(SheetEntry, payees, cuts(draw, len(payees), PPM))))


def tiers(draw: st.DrawFn) -> tuple[PoolTier, ...]:
    count = draw(SMALL) % 3
    pools = cuts(draw, count + 1, draw(UNIT))[:count]
    built = []
    for index, pool_ppm in enumerate(pools):
        holdings = tuple(Holding(owner, draw(SMALL)) for owner in draw(OWNER_SETS))
        total = max(1, sum(holding.shares for holding in holdings) + draw(SMALL) % 3)
        built.append(PoolTier(f"tier-{index}", pool_ppm, total, holdings))
    return tuple(built)


@st.composite
def catalogs(draw: st.DrawFn) -> tuple[str, dict[str, TrackRights]]:
    """Tracks in topological order, parents drawn from earlier ones: acyclic by construction."""
    rights: dict[str, TrackRights] = {}
    for index in range(draw(SMALL) + 1):
        track_id, earlier = f"track:{index}", [*reversed(rights), GHOST]
        picks = draw(PARENT_PICKS) if rights else []
        parent_ids = list(dict.fromkeys(earlier[i % len(earlier)] for i in picks))
        shares = cuts(draw, len(parent_ids) + 1, draw(EDGE_TOTAL))
        kinds = [draw(KINDS) for _ in parent_ids]
        edges = tuple(map(ParentEdge, parent_ids, shares, kinds))
        comp, prod = sheets(draw, f"{track_id}/c"), sheets(draw, f"{track_id}/p")
        rights[track_id] = TrackRights(track_id, edges, comp, prod, tiers(draw))
    newest_first = [*reversed(rights), GHOST]
    return newest_first[draw(SMALL) % len(newest_first)], rights


policies = st.builds(
    lambda fee, comp, depth: Policy({"stream": fee, "sale": 1}, {"stream": comp}, depth),
    st.one_of(st.just(0), st.just(PPM), st.integers(0, PPM)),
    st.integers(0, PPM),
    st.sampled_from([3, 1, 2, 0, 6]),
)
amounts = st.one_of(st.sampled_from([0, 1, 7, 10**70]), st.integers(0, 10**78))


def reordered(rights: dict[str, TrackRights], rnd: random.Random) -> dict[str, TrackRights]:
    """Same catalog, every dict and tuple in another order and holdings split per share."""

    def shuffle(items: Sequence[T]) -> tuple[T, ...]:
        return tuple(rnd.sample(list(items), len(items)))

    def resheet(found: Sheet | None) -> Sheet | None:
        return Sheet(found.version_id, shuffle(found.entries)) if found else None

    def retier(tier: PoolTier) -> PoolTier:
        split = [Holding(h.owner, 1) for h in tier.holdings for _ in range(h.shares)]
        return PoolTier(tier.tier_id, tier.pool_ppm, tier.total_shares, shuffle(split))

    return {
        key: TrackRights(
            key,
            shuffle(found.parents),
            resheet(found.composition),
            resheet(found.production),
            tuple(map(retier, shuffle(found.tiers))),
        )
        for key, found in shuffle(list(rights.items()))
    }


FAST = settings(max_examples=200, deadline=None, database=None)


class TestAllocateProperties:
    @FAST
    @given(catalogs(), policies, amounts)
    def test_conservation(
        self, catalog: tuple[str, dict[str, TrackRights]], policy: Policy, amount: int
    ) -> None:
        root, rights = catalog
        allocation = allocate(event(root, amount), rights, policy)
        assert sum(credit.amount for credit in allocation.credits) == amount
        assert sum(share for _, share in allocation.exact) == amount

    @FAST
    @given(catalogs(), policies, amounts)
    def test_fairness_within_one_unit(
        self, catalog: tuple[str, dict[str, TrackRights]], policy: Policy, amount: int
    ) -> None:
        root, rights = catalog
        allocation = allocate(event(root, amount), rights, policy)
        credits, exact = credits_of(allocation), dict(allocation.exact)
        assert set(credits) <= set(exact)
        assert all(abs(credits.get(account, 0) - share) < 1 for account, share in exact.items())

    @FAST
    @given(catalogs(), policies, amounts)
    def test_one_positive_credit_per_account_in_order(
        self, catalog: tuple[str, dict[str, TrackRights]], policy: Policy, amount: int
    ) -> None:
        root, rights = catalog
        accounts = [c.account for c in allocate(event(root, amount), rights, policy).credits]
        assert accounts == sorted(set(accounts))
        assert all(c.amount > 0 for c in allocate(event(root, amount), rights, policy).credits)

    @FAST
    @given(catalogs(), policies, amounts, st.integers(0, 2**32))
    def test_determinism_under_reordering(
        self,
        catalog: tuple[str, dict[str, TrackRights]],
        policy: Policy,
        amount: int,
        seed: int,
    ) -> None:
        root, rights = catalog
        rnd = random.Random(seed)
        fees = dict(reversed(list(policy.fee_ppm_by_source.items())))
        twin = Policy(fees, policy.composition_ppm_by_source, policy.max_depth)
        first = allocate(event(root, amount), rights, policy)
        second = allocate(event(root, amount), reordered(rights, rnd), twin)
        assert first == second
        assert receipt_json(first) == receipt_json(second)
