"""Reading the seed's CSV layout into validated track rows, reporting every bad row. Pure.

Columns (header names, any order): title, artist, sample_type, and
composition_split_N_wallet / composition_split_N_percentage and production_split_N_… for N ≥ 1
(any number); optional description, tags, loop_category, bpm, key, duration_seconds, isrc, iswc,
visibility, social_urls, contact_info. Seed columns Backbeat does not take from a CSV
(cover_image_url, audio_url, created_by, id, created_at, updated_at) are ignored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from backbeat.catalog.identifiers import InvalidIdentifier, normalise_isrc, normalise_iswc
from backbeat.catalog.shares import InvalidShare, PayeeRef, check_split, parse_payee
from backbeat.catalog.shares import parse_percentage as parse_share
from backbeat.catalog.vocabulary import (
    SampleType,
    UnknownTerm,
    Visibility,
    normalise_key,
    normalise_sample_type,
    parse_term,
)

REQUIRED_COLUMNS = ("title", "artist", "sample_type")
_SPLIT_COLUMN = re.compile(r"(composition|production)_split_(\d+)_(wallet|percentage)")
_ROW_PROBLEMS = (InvalidShare, InvalidIdentifier, UnknownTerm, ValueError)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ImportedTrack:
    """One valid CSV row, as values the catalog service can create a track from."""

    line: int
    title: str
    artist: str
    sample_type: SampleType
    composition: tuple[tuple[PayeeRef, int], ...]
    production: tuple[tuple[PayeeRef, int], ...]
    description: str | None = None
    tags: tuple[str, ...] = ()
    loop_category: str | None = None
    bpm: float | None = None
    key: str | None = None
    duration_seconds: float | None = None
    isrc: str | None = None
    iswc: str | None = None
    visibility: Visibility = Visibility.PUBLIC
    social_urls: dict[str, str] = field(default_factory=dict)
    contact_info: dict[str, str] = field(default_factory=dict)

    @property
    def natural_key(self) -> str:
        """What makes a re-run find this row again: title, artist and ISRC (per importer)."""
        parts = (self.title.casefold(), self.artist.casefold(), self.isrc or "")
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RowError:
    """A bad row: its first line in the file and every reason it was refused."""

    line: int
    reason: str


@dataclass(slots=True)
class ParsedImport:
    """The rows that can be imported and the rows that cannot."""

    tracks: list[ImportedTrack] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_tracks_csv(text: str) -> ParsedImport:
    """Every row checked; a file with any error must not be imported at all."""
    result = ParsedImport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        result.errors.append(RowError(1, f"missing columns: {', '.join(missing)}"))
        return result
    seen: dict[str, int] = {}
    for line, row in _rows_with_lines(reader):
        try:
            track = parse_row(line, row)
        except _ROW_PROBLEMS as exc:
            result.errors.append(RowError(line, str(exc)))
            continue
        if track.natural_key in seen:
            first = seen[track.natural_key]
            result.errors.append(RowError(line, f"repeats the track on line {first}"))
            continue
        seen[track.natural_key] = line
        result.tracks.append(track)
    return result


def _rows_with_lines(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row with the line it starts on (a quoted field may span lines)."""
    start = reader.line_num + 1
    for row in reader:
        if any((value or "").strip() for value in row.values() if isinstance(value, str)):
            yield start, row
        start = reader.line_num + 1


class InvalidRow(ValueError):
    """A row with one or more problems, joined into one message."""


class _Problems:
    """Collects every problem of a row instead of stopping at the first."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def take(self, parse: Callable[[], T], default: T) -> T:
        try:
            return parse()
        except _ROW_PROBLEMS as exc:
            self.messages.append(str(exc))
            return default


def parse_row(line: int, row: dict[str, str]) -> ImportedTrack:
    """One row to a track; raises InvalidRow naming every problem of the row."""
    p = _Problems()
    track = ImportedTrack(
        line=line,
        title=p.take(lambda: _required(row, "title"), ""),
        artist=p.take(lambda: _required(row, "artist"), ""),
        sample_type=p.take(
            lambda: normalise_sample_type(_required(row, "sample_type")), SampleType.OTHER
        ),
        composition=p.take(lambda: _sheet(row, "composition"), ()),
        production=p.take(lambda: _sheet(row, "production"), ()),
        description=_optional(row, "description"),
        tags=p.take(lambda: _tags(row), ()),
        loop_category=_optional(row, "loop_category"),
        bpm=p.take(lambda: _number(row, "bpm", 1, 999), None),
        key=p.take(lambda: _map(row, "key", normalise_key), None),
        duration_seconds=p.take(lambda: _number(row, "duration_seconds", 0, 86_400), None),
        isrc=p.take(lambda: _map(row, "isrc", normalise_isrc), None),
        iswc=p.take(lambda: _map(row, "iswc", normalise_iswc), None),
        visibility=p.take(
            lambda: (
                _map(row, "visibility", lambda v: parse_term(Visibility, v)) or Visibility.PUBLIC
            ),
            Visibility.PUBLIC,
        ),
        social_urls=p.take(lambda: _object(row, "social_urls"), {}),
        contact_info=p.take(lambda: _object(row, "contact_info"), {}),
    )
    if p.messages:
        raise InvalidRow("; ".join(p.messages))
    return track


def _optional(row: dict[str, str], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return value or None


def _required(row: dict[str, str], column: str) -> str:
    value = _optional(row, column)
    if value is None:
        raise ValueError(f"{column} is empty")
    return value


def _map(row: dict[str, str], column: str, parse: Callable[[str], T]) -> T | None:
    value = _optional(row, column)
    return None if value is None else parse(value)


def _number(row: dict[str, str], column: str, low: float, high: float) -> float | None:
    value = _optional(row, column)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a number") from None
    if not low <= number <= high:
        raise ValueError(f"{column} {value!r} is not between {low:g} and {high:g}")
    return number


def _tags(row: dict[str, str]) -> tuple[str, ...]:
    """A JSON array (the seed's jsonb) or a comma-separated list."""
    value = _optional(row, "tags")
    if value is None:
        return ()
    items = json.loads(value) if value.startswith("[") else value.split(",")
    if not all(isinstance(item, str) for item in items):
        raise ValueError("tags is not a list of strings")
    return tuple(dict.fromkeys(t.strip().lower() for t in items if t.strip()))


def _object(row: dict[str, str], column: str) -> dict[str, str]:
    """A JSON object of strings (the seed's jsonb columns)."""
    value = _optional(row, column)
    if value is None:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        raise ValueError(f"{column} is not a JSON object") from None
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise ValueError(f"{column} is not a JSON object of strings")
    return {str(k): v for k, v in parsed.items()}


def _sheet(row: dict[str, str], kind: str) -> tuple[tuple[PayeeRef, int], ...]:
    """composition_split_N_wallet/percentage for every N present, blanks skipped, checked."""
    numbers = sorted(
        {int(m[2]) for c in row if c and (m := _SPLIT_COLUMN.fullmatch(c)) and m[1] == kind}
    )
    entries = []
    for n in numbers:
        wallet = _optional(row, f"{kind}_split_{n}_wallet")
        percentage = _optional(row, f"{kind}_split_{n}_percentage")
        if wallet is None and (percentage is None or _is_zero(percentage)):
            continue
        if wallet is None or percentage is None:
            raise InvalidShare(f"{kind} split {n} needs both a wallet and a percentage")
        entries.append((parse_payee(wallet), parse_share(percentage)))
    try:
        check_split(entries)
    except InvalidShare as exc:
        raise InvalidShare(f"{kind}: {exc}") from None
    return tuple(entries)


def _is_zero(percentage: str) -> bool:
    """The seed's DEFAULT 0 of an unused split column."""
    return percentage.strip().strip("0").strip(".") == ""
