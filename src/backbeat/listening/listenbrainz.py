"""ListenBrainz's submission rules, as its server enforces them, with its exact messages.

Pure: a parsed JSON document in, ListenIn values (or a ListenBrainzRefusal) out.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from backbeat.listening.listens import ListenIn

MAX_LISTEN_SIZE = 10240
"""Bytes per listen, in aggregate over the request."""
MAX_LISTENS_PER_REQUEST = 1000
MAX_TAGS_PER_LISTEN = 50
MAX_TAG_SIZE = 64
MAX_ITEMS_PER_GET = 1000
DEFAULT_ITEMS_PER_GET = 25
MAX_DURATION = 24 * 24 * 60 * 60
MAX_DURATION_MS = MAX_DURATION * 1000
LISTEN_MINIMUM_TS = 1033430400
"""2002-10-01 00:00:00 UTC (Last.fm's founding)."""
ALLOWED_SKEW_SECONDS = 3600
PLAYING_NOW_MAX_DURATION = 600
LISTEN_TYPES = ("single", "playing_now", "import")
SINGLE_MBID_KEYS = ("release_mbid", "recording_mbid", "release_group_mbid", "track_mbid")
MULTIPLE_MBID_KEYS = ("artist_mbids", "work_mbids")


class ListenBrainzRefusal(Exception):
    """A 400 (or other) answer with ListenBrainz's message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Submission:
    """A valid submit-listens document."""

    listen_type: str
    listens: list[dict[str, Any]]


def parse_submission(raw: bytes, document: Any) -> Submission:
    """The document's top level, checked in ListenBrainz's order."""
    if not isinstance(document, dict):
        raise ListenBrainzRefusal(
            "Invalid JSON document submitted. Top level of JSON document should be a json object."
        )
    if "payload" not in document or "listen_type" not in document:
        raise ListenBrainzRefusal("Invalid JSON document submitted.")
    payload = document["payload"]
    if not isinstance(payload, list):
        raise ListenBrainzRefusal("The payload in the JSON document should be a list of listens.")
    if len(payload) == 0:
        raise ListenBrainzRefusal("JSON document does not contain any listens")
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        raise ListenBrainzRefusal(
            f"Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST} "
            "listens at once."
        )
    if len(raw) > len(payload) * MAX_LISTEN_SIZE:
        raise ListenBrainzRefusal(
            "JSON document is too large. Each listens may not be larger than "
            f"{MAX_LISTEN_SIZE} bytes."
        )
    if document["listen_type"] not in LISTEN_TYPES:
        raise ListenBrainzRefusal("JSON document requires a valid listen_type key.")
    listen_type = str(document["listen_type"])
    if listen_type in ("single", "playing_now") and len(payload) > 1:
        raise ListenBrainzRefusal(
            "JSON document contains more than listen for a single/playing_now. "
            "It should contain only one."
        )
    return Submission(listen_type, payload)


def validate_listen(listen: Any, listen_type: str, *, now: float | None = None) -> dict[str, Any]:
    """One listen checked and normalised (strings stripped, empty MBIDs dropped)."""
    if listen is None or not isinstance(listen, dict):
        raise ListenBrainzRefusal("Listen is empty and cannot be validated.")
    if listen_type in ("single", "import"):
        _validate_listened_at(listen, time.time() if now is None else now)
        if "track_metadata" not in listen:
            raise ListenBrainzRefusal(
                "JSON document must contain the key track_metadata at the top level."
            )
        if len(listen) > 2:
            raise ListenBrainzRefusal(
                "JSON document may only contain listened_at and track_metadata top level keys"
            )
    else:
        if "listened_at" in listen:
            raise ListenBrainzRefusal(
                "JSON document must not contain listened_at while submitting playing_now."
            )
        if "track_metadata" not in listen:
            raise ListenBrainzRefusal(
                "JSON document must contain the key track_metadata at the top level."
            )
        if len(listen) > 1:
            raise ListenBrainzRefusal(
                "JSON document may only contain track_metadata as top level key when "
                "submitting playing_now."
            )
    metadata = listen["track_metadata"]
    if not isinstance(metadata, dict):
        raise ListenBrainzRefusal("JSON document may not have track_metadata with null value.")
    _validate_basic(metadata, "track_name")
    _validate_basic(metadata, "artist_name")
    _validate_basic(metadata, "release_name", required=False)
    info = metadata.get("additional_info")
    if info is not None:
        if not isinstance(info, dict):
            raise ListenBrainzRefusal("track_metadata.additional_info must be a JSON object.")
        _validate_additional_info(info)
    _refuse_nul(listen)
    return listen


def _validate_listened_at(listen: dict[str, Any], now: float) -> None:
    if "listened_at" not in listen:
        raise ListenBrainzRefusal(
            "JSON document must contain the key listened_at at the top level."
        )
    try:
        listen["listened_at"] = int(listen["listened_at"])
    except (ValueError, TypeError, OverflowError):
        raise ListenBrainzRefusal(
            "JSON document must contain an int value for listened_at."
        ) from None
    if listen["listened_at"] >= int(now) + ALLOWED_SKEW_SECONDS:
        raise ListenBrainzRefusal("Value for key listened_at is too high.")
    if listen["listened_at"] < LISTEN_MINIMUM_TS:
        raise ListenBrainzRefusal(
            "Value for key listened_at is too low. listened_at timestamp should be greater "
            "than 1033410600 (2002-10-01 00:00:00 UTC)."
        )


def _validate_basic(metadata: dict[str, Any], key: str, *, required: bool = True) -> None:
    if key in metadata:
        if not isinstance(metadata[key], str):
            raise ListenBrainzRefusal(f"track_metadata.{key} must be a single string.")
        metadata[key] = metadata[key].strip()
        if not metadata[key]:
            raise ListenBrainzRefusal(f"field track_metadata.{key} is empty.")
    elif required:
        raise ListenBrainzRefusal(
            f"JSON document does not contain required field track_metadata.{key}."
        )


def _validate_additional_info(info: dict[str, Any]) -> None:
    tags = info.get("tags")
    if tags is not None:
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ListenBrainzRefusal("track_metadata.additional_info.tags must be a list.")
        if len(tags) > MAX_TAGS_PER_LISTEN:
            raise ListenBrainzRefusal(
                f"JSON document may not contain more than {MAX_TAGS_PER_LISTEN} items in "
                "track_metadata.additional_info.tags."
            )
        if any(len(tag) > MAX_TAG_SIZE for tag in tags):
            raise ListenBrainzRefusal(
                "JSON document may not contain track_metadata.additional_info.tags longer "
                f"than {MAX_TAG_SIZE} characters."
            )
    if "duration" in info and "duration_ms" in info:
        raise ListenBrainzRefusal("JSON document should not contain both duration and duration_ms.")
    _validate_duration(info, "duration", MAX_DURATION)
    _validate_duration(info, "duration_ms", MAX_DURATION_MS)
    for key in SINGLE_MBID_KEYS:
        if key in info:
            if not info[key]:
                del info[key]
            elif not _is_uuid(info[key]):
                raise ListenBrainzRefusal(f"{key} MBID format invalid.")
    for key in MULTIPLE_MBID_KEYS:
        if key in info:
            if not info[key]:
                del info[key]
                continue
            if not isinstance(info[key], list):
                raise ListenBrainzRefusal(f"{key} MBID format invalid.")
            mbids = [m for m in info[key] if m]
            if not all(_is_uuid(m) for m in mbids):
                raise ListenBrainzRefusal(f"{key} MBID format invalid.")
            info[key] = mbids


def _validate_duration(info: dict[str, Any], key: str, max_value: int) -> None:
    if key not in info:
        return
    try:
        value = int(info[key])
    except (ValueError, TypeError, OverflowError):
        raise ListenBrainzRefusal(
            f"Value for {key} is invalid, should be a positive integer."
        ) from None
    if value <= 0:
        raise ListenBrainzRefusal(f"Value for {key} is invalid, should be a positive integer.")
    if value > max_value:
        raise ListenBrainzRefusal(
            f"Value for {key} is too large, max permitted value is {max_value}"
        )
    info[key] = value


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _refuse_nul(value: Any) -> None:
    """PostgreSQL cannot store U+0000; ListenBrainz names the offending value."""
    if isinstance(value, dict):
        for item in value.values():
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)
    elif isinstance(value, str) and "\x00" in value:
        raise ListenBrainzRefusal(f"{value} contains a unicode null")


def to_listen(listen: dict[str, Any], *, platform: str = "listenbrainz") -> ListenIn:
    """A validated single/import listen as a ListenIn."""
    metadata = listen["track_metadata"]
    info: dict[str, Any] = dict(metadata.get("additional_info") or {})
    duration_ms = info.get("duration_ms") or (
        info["duration"] * 1000 if "duration" in info else None
    )
    mbid = info.get("recording_mbid")
    return ListenIn(
        listened_at=datetime.fromtimestamp(listen["listened_at"], UTC),
        artist_name=metadata["artist_name"],
        track_name=metadata["track_name"],
        release_name=metadata.get("release_name"),
        platform=platform,
        duration_ms=duration_ms,
        recording_mbid=uuid.UUID(mbid) if mbid else None,
        isrc=_text(info.get("isrc")),
        spotify_id=_text(info.get("spotify_id")),
        track_id=_backbeat_track(info.get("backbeat_track_id")),
        client=_text(info.get("submission_client") or info.get("listening_from")),
        additional_info=info,
    )


def playing_now_seconds(metadata: dict[str, Any]) -> int:
    """How long a playing-now notice is kept: its duration, else ListenBrainz's default."""
    info = metadata.get("additional_info") or {}
    if "duration" in info:
        return int(info["duration"])
    if "duration_ms" in info:
        return max(1, int(info["duration_ms"]) // 1000)
    return PLAYING_NOW_MAX_DURATION


def _text(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) and value else None


def _backbeat_track(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if _is_uuid(value) else None


def parse_document(raw: bytes) -> Any:
    """The request body as JSON, refused the way ListenBrainz words it."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ListenBrainzRefusal(f"Cannot parse JSON document: {exc}") from None


def int_arg(name: str, value: str | None, default: int | None = None) -> int | None:
    """A query argument as ListenBrainz parses it (an empty one is absent)."""
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ListenBrainzRefusal(f"Invalid {name} argument: {value}") from None


@dataclass(frozen=True)
class ListensQuery:
    min_ts: int | None
    max_ts: int | None
    count: int


def listens_query(min_ts: str | None, max_ts: str | None, count: str | None) -> ListensQuery:
    """min_ts, max_ts and count checked in ListenBrainz's order."""
    low, high = int_arg("min_ts", min_ts), int_arg("max_ts", max_ts)
    if low and high and high < low:
        raise ListenBrainzRefusal("max_ts should be greater than min_ts")
    wanted = min(int_arg("count", count, DEFAULT_ITEMS_PER_GET) or 0, MAX_ITEMS_PER_GET)
    if wanted < 0:
        raise ListenBrainzRefusal("Number of items requested should be positive")
    if low and high and low >= high:
        raise ListenBrainzRefusal("min_ts should be less than max_ts")
    return ListensQuery(low, high, wanted)


@dataclass(frozen=True)
class Deletion:
    listened_at: datetime
    recording_msid: uuid.UUID


def parse_deletion(document: Any) -> Deletion:
    """delete-listen's body: {"listened_at": …, "recording_msid": …}."""
    if not isinstance(document, dict):
        raise ListenBrainzRefusal("Invalid JSON document submitted.")
    if "listened_at" not in document:
        raise ListenBrainzRefusal("Listen timestamp missing.")
    try:
        listened_at = datetime.fromtimestamp(int(document["listened_at"]), UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        raise ListenBrainzRefusal(f"{document['listened_at']}: Listen timestamp invalid.") from None
    if "recording_msid" not in document:
        raise ListenBrainzRefusal("Recording MSID missing.")
    msid = document["recording_msid"]
    if not _is_uuid(msid):
        raise ListenBrainzRefusal(f"{msid}: Recording MSID format invalid.")
    return Deletion(listened_at, uuid.UUID(msid))
