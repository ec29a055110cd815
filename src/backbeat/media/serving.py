"""Serving bytes: single byte ranges (players seek with them) and strong ETags from sha256."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backbeat.media.errors import RangeNotSatisfiable

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class ByteRange:
    """Bytes [start, end) of an object."""

    start: int
    end: int

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end - 1}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """None for the whole object; 416 for a range outside it. Several ranges: the whole object."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # multiple or malformed ranges: RFC 9110 lets us send the whole object
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = min(int(last), size)
        if length == 0:
            raise _unsatisfiable(size)
        return ByteRange(size - length, size)
    start = int(first)
    end = size if last == "" else min(int(last) + 1, size)
    if start >= size or end <= start:
        raise _unsatisfiable(size)
    return ByteRange(start, end)


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(
        f"The object has {size} bytes.", headers={"Content-Range": f"bytes */{size}"}
    )


def etag_of(sha256: str) -> str:
    """A strong validator: the same bytes, the same tag, on any server."""
    return f'"{sha256}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether the client already has these bytes (304)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags
