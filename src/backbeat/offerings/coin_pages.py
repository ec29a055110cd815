"""Keyset cursors of the coin and pool pages: the sort key of the last row, checked on the way in.

Each page names its cursor's fields and their checks, so a cursor of another page (or a forged
one) is a 422, never a value PostgreSQL cannot cast.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from backbeat.errors import Unprocessable
from backbeat.offerings.coin_chain import checksummed, uint256
from backbeat.reads import Row

Check = Callable[[str], object]


def _bounded(upper: int) -> Check:
    def check(value: str) -> int:
        number = int(value)
        if not 0 <= number <= upper:
            raise ValueError
        return number

    return check


COIN_KEY: tuple[Check, ...] = (datetime.fromisoformat, uuid.UUID)
HOLDER_KEY: tuple[Check, ...] = (uint256, checksummed)
EVENT_KEY: tuple[Check, ...] = (_bounded(2**53 - 1), _bounded(2**31 - 1))


def encode_cursor(page: str, key: Sequence[object]) -> str:
    raw = json.dumps([page, *map(str, key)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, page: str, checks: Sequence[Check]) -> list[str | None]:
    """The key after which the page starts (Nones for the first page)."""
    if cursor is None:
        return [None] * len(checks)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, *key = json.loads(raw)
        if name != page or len(key) != len(checks) or not all(isinstance(k, str) for k in key):
            raise ValueError
        for check, value in zip(checks, key, strict=True):
            check(value)
        return list(key)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise Unprocessable(f"cursor is not a cursor of the {page} page") from None


def page_json(rows: list[Row], limit: int, page: str, head: str = "") -> str:
    """{…head, "items": [...], "next_cursor": …}; each row is (item json, *its sort key)."""
    shown = rows[:limit]
    cursor = encode_cursor(page, shown[-1][1:]) if len(rows) > limit and shown else None
    items = ",".join(str(row[0]) for row in shown)
    return f'{{{head}"items":[{items}],"next_cursor":{json.dumps(cursor)}}}'
