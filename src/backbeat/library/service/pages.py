"""Keyset cursors of the library's pages: the (key, id) after which a page starts."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

from backbeat.errors import Unprocessable
from backbeat.reads import Row


def encode_cursor(key: str, row_id: str) -> str:
    raw = json.dumps([key, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str | None, str | None]:
    if cursor is None:
        return None, None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key, row_id = json.loads(raw)
        if not isinstance(key, str) or not isinstance(row_id, str):
            raise ValueError
        datetime.fromisoformat(key)  # every library page is keyed by a time…
        uuid.UUID(row_id.split(":", 1)[0])  # …and an id (with its kind, for follows)
        return key, row_id
    except (ValueError, TypeError):
        raise Unprocessable("cursor is not a cursor of this list") from None


def page_json(rows: list[Row], limit: int, head: str = "") -> str:
    """{"items": [...], "next_cursor": …}; each row is (item json, cursor key, cursor id)."""
    page = rows[:limit]
    more = len(rows) > limit and page
    cursor = encode_cursor(str(page[-1][1]), str(page[-1][2])) if more else None
    items = ",".join(str(row[0]) for row in page)
    return f'{{{head}"items":[{items}],"next_cursor":{json.dumps(cursor)}}}'
