"""Fractional position keys: a key between any two keys, so an insert or a move touches one row.

Keys are base-62 digit strings read as fractions (0.k₁k₂…), compared bytewise (collation "C"),
never ending in the smallest digit so there is always room before a key. A key grows only when
its neighbours are adjacent; past MAX_KEY_LENGTH the playlist is rebalanced (`spread`) in one
statement.
"""

from __future__ import annotations

import math

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
ZERO = DIGITS[0]
MAX_KEY_LENGTH = 48


def _index(digit: str) -> int:
    return DIGITS.index(digit)


def _midpoint(low: str, high: str | None) -> str:
    if high is not None:
        n = 0
        while n < len(high) and (low[n] if n < len(low) else ZERO) == high[n]:
            n += 1
        if n > 0:
            return high[:n] + _midpoint(low[n:], high[n:])
    digit_low = _index(low[0]) if low else 0
    digit_high = _index(high[0]) if high is not None else BASE
    if digit_high - digit_low > 1:
        return DIGITS[(digit_low + digit_high + 1) // 2]
    if high is not None and len(high) > 1:
        return high[:1]
    return DIGITS[digit_low] + _midpoint(low[1:], None)


def key_between(low: str | None, high: str | None) -> str:
    """A key strictly between `low` and `high` (None: the start or the end of the list)."""
    for key in (low, high):
        if key is not None and (not key or key.endswith(ZERO) or set(key) - set(DIGITS)):
            raise ValueError(f"{key!r} is not a position key")
    if low is not None and high is not None and low >= high:
        raise ValueError(f"{low!r} is not before {high!r}")
    return _midpoint(low or "", high)


def spread(count: int) -> list[str]:
    """`count` evenly spaced keys of one short length, in order (a rebalance)."""
    if count <= 0:
        return []
    width = max(1, math.ceil(math.log(count + 2, BASE)))
    step = BASE**width // (count + 1)
    keys = []
    for i in range(1, count + 1):
        value, digits = i * step, []
        for _ in range(width):
            value, digit = divmod(value, BASE)
            digits.append(DIGITS[digit])
        keys.append("".join(reversed(digits)) + DIGITS[BASE // 2])
    return keys
