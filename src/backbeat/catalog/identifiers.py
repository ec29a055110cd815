"""Recording and work identifiers: ISRC (ISO 3901) and ISWC (ISO 15707) with its check digit."""

from __future__ import annotations

import re
import uuid

_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}")
_ISWC = re.compile(r"T(\d{9})(\d)")


class InvalidIdentifier(ValueError):
    """A malformed ISRC or ISWC; the message is safe to show."""


def normalise_isrc(text: str) -> str:
    """'us-rc1-76-07839' → 'USRC17607839': country, registrant, year, designation; no hyphens."""
    compact = text.strip().upper().replace("-", "")
    if not _ISRC.fullmatch(compact):
        raise InvalidIdentifier(
            f"{text!r} is not an ISRC (2 letters, 3 letters or digits, 7 digits)"
        )
    return compact


def iswc_check_digit(digits: str) -> int:
    """ISO 15707: (10 - (1 + Σ i·dᵢ) mod 10) mod 10 over the nine digits, i from 1."""
    weighted = 1 + sum(position * int(d) for position, d in enumerate(digits, start=1))
    return (10 - weighted % 10) % 10


def normalise_iswc(text: str) -> str:
    """'T0345246801' or 'T-034.524.680-1' → 'T-034.524.680-1', refusing a wrong check digit."""
    compact = re.sub(r"[\s.-]", "", text.strip().upper())
    match = _ISWC.fullmatch(compact)
    if match is None:
        raise InvalidIdentifier(f"{text!r} is not an ISWC (T, 9 digits and a check digit)")
    digits, check = match[1], int(match[2])
    expected = iswc_check_digit(digits)
    if check != expected:
        raise InvalidIdentifier(f"{text!r} has check digit {check}, expected {expected}")
    return f"T-{digits[:3]}.{digits[3:6]}.{digits[6:]}-{check}"


def uuid_or_none(text: str) -> uuid.UUID | None:
    """The UUID that `text` spells, or None (for references that may be an id or a name)."""
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
