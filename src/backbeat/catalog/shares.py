"""Shares as integer parts per million, percentage strings at the edge, and split validation.

1,000,000 ppm = 100 %, so a percentage with up to 4 decimals is an exact integer number of ppm
("33.3334" = 333,334 ppm) and three equal payees can still sum to exactly 100 %.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from backbeat.catalog.vocabulary import Role
from backbeat.identity.caip10 import normalise_wallet
from backbeat.identity.wallet_proofs import InvalidWallet

PPM = 1_000_000
PPM_PER_PERCENT = 10_000
_PERCENTAGE = re.compile(r"(?P<whole>\d{1,3})(?:\.(?P<fraction>\d{1,4}))?")
USER_PREFIX = "user:"


class InvalidShare(ValueError):
    """A percentage string, payee or split that breaks a rule; the message is safe to show."""


def parse_percentage(text: str) -> int:
    """'33.3334' → 333_334 ppm, exactly; at most 4 decimals, between 0 and 100."""
    match = _PERCENTAGE.fullmatch(text.strip())
    if match is None:
        raise InvalidShare(f"{text!r} is not a percentage with at most 4 decimals")
    fraction = (match["fraction"] or "").ljust(4, "0")
    ppm = int(match["whole"]) * PPM_PER_PERCENT + int(fraction)
    if ppm > PPM:
        raise InvalidShare(f"{text!r} is more than 100 %")
    return ppm


def format_percentage(ppm: int) -> str:
    """333_334 → '33.3334', 500_000 → '50': the shortest exact spelling."""
    if not 0 <= ppm <= PPM:
        raise ValueError(f"a share is between 0 and {PPM} ppm, got {ppm}")
    return format_percentage_any(ppm)


def split_equal(count: int) -> list[int]:
    """100 % in `count` shares by largest remainder: the first ones get the extra ppm."""
    if count < 1:
        raise InvalidShare("an equal split needs at least one payee")
    base, extra = divmod(PPM, count)
    return [base + 1 if index < extra else base for index in range(count)]


@dataclass(frozen=True, slots=True)
class PayeeRef:
    """A payee as the API writes it: a user id, or a CAIP-10 wallet no user may have claimed."""

    user_id: uuid.UUID | None = None
    wallet: str | None = None

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.wallet is None):
            raise ValueError("a payee is either a user or a wallet")

    def __str__(self) -> str:
        return f"{USER_PREFIX}{self.user_id}" if self.user_id else str(self.wallet)


def parse_payee(text: str) -> PayeeRef:
    """`user:<uuid>` or a wallet address (CAIP-10 or bare 0x…/SP…), normalised."""
    text = text.strip()
    if text.startswith(USER_PREFIX):
        try:
            return PayeeRef(user_id=uuid.UUID(text.removeprefix(USER_PREFIX)))
        except ValueError:
            raise InvalidShare(f"{text!r} is not user:<uuid>") from None
    try:
        return PayeeRef(wallet=normalise_wallet(text))
    except InvalidWallet as exc:
        raise InvalidShare(f"{text!r} is not a payee: {exc.reason}") from None


def check_split(entries: Sequence[tuple[PayeeRef, int]]) -> None:
    """Shares > 0, no payee twice, and a sum of exactly 100 %."""
    if not entries:
        raise InvalidShare("a split sheet needs at least one entry")
    seen: set[PayeeRef] = set()
    for payee, share in entries:
        if share <= 0:
            raise InvalidShare(f"the share of {payee} must be more than 0 %")
        if payee in seen:
            raise InvalidShare(f"{payee} appears twice in the split")
        seen.add(payee)
    total = sum(share for _, share in entries)
    if total != PPM:
        raise InvalidShare(f"the shares sum to {format_percentage_any(total)} %, not 100 %")


class EntryRequest(Protocol):
    """A sheet or preset entry as a request gives it (`schemas.EntryIn`)."""

    @property
    def payee(self) -> str: ...

    @property
    def share(self) -> str | None: ...

    @property
    def role(self) -> Role | None: ...


@dataclass(frozen=True, slots=True)
class SplitLine:
    """A validated line of a split sheet or preset."""

    payee: PayeeRef
    share_ppm: int
    role: Role


def resolve_lines(
    entries: Sequence[EntryRequest], split: str | None, default_role: Role
) -> list[SplitLine]:
    """Entries with percentage shares, or split equally; validated as a whole."""
    payees = [parse_payee(e.payee) for e in entries]
    if split == "equal":
        if any(e.share is not None for e in entries):
            raise InvalidShare("give no shares with split=equal")
        shares = split_equal(len(entries))
    else:
        if any(e.share is None for e in entries):
            raise InvalidShare("every entry needs a share (or use split=equal)")
        shares = [parse_percentage(e.share or "") for e in entries]
    check_split(list(zip(payees, shares, strict=True)))
    return [
        SplitLine(p, s, e.role or default_role)
        for p, s, e in zip(payees, shares, entries, strict=True)
    ]


def format_percentage_any(ppm: int) -> str:
    """Like format_percentage, for totals that may pass 100 % (error messages)."""
    whole, fraction = divmod(ppm, PPM_PER_PERCENT)
    return f"{whole}.{fraction:04d}".rstrip("0").rstrip(".")
