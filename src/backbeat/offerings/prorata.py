"""Dividends divided pro rata by shares, exactly (pure): largest remainder, one receipt.

Each holder's exact part is `amount * shares / total_shares`; the parts are rounded once with
royalties' largest remainder (deterministic tie-break salted with the dividend's id), so the
credits sum to the amount and none is a minor unit or more from its exact part. The receipt is
canonical JSON; its sha256 is stored next to it so anyone can recompute both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from backbeat.royalties.allocation import largest_remainder


@dataclass(frozen=True, slots=True)
class ProRataLine:
    account: str
    shares: int
    exact: Fraction
    credit: int


def split_pro_rata(
    amount: int, holdings: Sequence[tuple[str, int]], *, salt: str
) -> list[ProRataLine]:
    """`holdings` are (account, shares) with distinct accounts and at least one share in all."""
    total = sum(shares for _, shares in holdings)
    if amount < 1 or total < 1:
        raise ValueError("a dividend needs a positive amount and at least one share")
    exact = [(account, Fraction(amount * shares, total)) for account, shares in holdings]
    credits = largest_remainder(amount, exact, salt=salt)
    return [
        ProRataLine(account, shares, part, credits[account])
        for (account, part), (_, shares) in zip(exact, holdings, strict=True)
    ]


def dividend_receipt(
    dividend_id: str, track_id: str, amount: int, asset: str, lines: Sequence[ProRataLine]
) -> dict[str, Any]:
    """What the dividend paid and why: every holder's shares, exact part and credit."""
    return {
        "dividend_id": dividend_id,
        "track_id": track_id,
        "amount": str(amount),
        "asset": asset,
        "total_shares": sum(line.shares for line in lines),
        "lines": [
            [
                line.account,
                line.shares,
                f"{line.exact.numerator}/{line.exact.denominator}",
                str(line.credit),
            ]
            for line in lines
        ],
    }


def receipt_hash(receipt: dict[str, Any]) -> str:
    """sha256 of the receipt's canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(receipt, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def recompute(receipt: dict[str, Any]) -> list[tuple[str, int]]:
    """The credits a stored receipt's holdings give: equal to its lines when it is honest."""
    holdings = [(account, shares) for account, shares, _, _ in receipt["lines"]]
    lines = split_pro_rata(int(receipt["amount"]), holdings, salt=receipt["dividend_id"])
    return [(line.account, line.credit) for line in lines]
