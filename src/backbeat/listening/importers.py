"""Listening-history exports, read row by row: a ListenBrainz export (JSON or JSON lines) and a
Spotify "extended streaming history" (`Streaming_History_Audio_*.json`), as a zip or a single
file. Pure: bytes in, one Outcome per row out; a row that cannot be read is refused with its
reason and the rest go on.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from backbeat.listening import listenbrainz as lb
from backbeat.listening.listens import ListenIn

ImportFormat = Literal["listenbrainz", "spotify"]
SPOTIFY_SKIP_REASONS = frozenset(
    {
        None,
        "fwdbtn",
        "backbtn",
        "clickrow",
        "clickside",
        "endplay",
        "playbtn",
        "remote",
        "logout",
        "popup",
        "trackerror",
        "unexpected-exit",
        "unexpected-exit-while-paused",
        "unknown",
    }
)
"""reason_end values ListenBrainz's Spotify importer treats as "ended by the user"."""
SHORT_PLAY_MS = 30_000
MAX_UNZIPPED_BYTES = 2 * 1024**3
"""A zip that unpacks to more is refused (a zip bomb is not an export)."""


@dataclass(frozen=True)
class Skipped:
    """A row that is valid but not a listen (a podcast, an incognito play, a short skip…)."""

    where: str
    kind: str


@dataclass(frozen=True)
class Refused:
    """A row that cannot be read, and why."""

    where: str
    reason: str


@dataclass(frozen=True)
class Parsed:
    where: str
    listen: ListenIn


Outcome = Parsed | Skipped | Refused


class UnreadableFile(ValueError):
    """Nothing in the file can be read (not JSON, not a zip of exports)."""


def read_export(raw: bytes, fmt: ImportFormat, filename: str = "upload") -> Iterator[Outcome]:
    """Every row of the export, in file order."""
    files = list(_files(raw, filename, fmt))
    if not files:
        raise UnreadableFile(f"{filename} holds no {fmt} export files")
    for name, content in files:
        if fmt == "spotify":
            yield from _spotify_file(name, content)
        else:
            yield from _listenbrainz_file(name, content)


def _files(raw: bytes, filename: str, fmt: ImportFormat) -> Iterator[tuple[str, bytes]]:
    if raw[:4] != b"PK\x03\x04":
        yield filename, raw
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise UnreadableFile(f"{filename} is not a readable zip") from None
    if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
        raise UnreadableFile(f"{filename} unpacks to more than {MAX_UNZIPPED_BYTES} bytes")
    for member in sorted(archive.namelist()):
        base = member.rsplit("/", 1)[-1].lower()
        wanted = (
            base.endswith(".json") and ("audio" in base or "video" in base or "endsong" in base)
            if fmt == "spotify"
            else base.endswith((".json", ".jsonl")) and base not in _LB_OTHER_FILES
        )
        if wanted:
            yield member, archive.read(member)


_LB_OTHER_FILES = {"user.json", "feedback.jsonl", "pinned_recording.jsonl", "feedback.json"}


def _json_rows(name: str, content: bytes) -> Iterator[tuple[str, Any]]:
    """A JSON array's items, or a JSON-lines file's lines; an unreadable line is refused."""
    text = content.decode("utf-8", errors="replace").lstrip("\ufeff")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except ValueError as exc:
            yield f"{name}", Refused(name, f"not valid JSON: {exc}")
            return
        for index, item in enumerate(items, start=1):
            yield f"{name}#{index}", item
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"{name}:{number}", json.loads(line)
        except ValueError as exc:
            yield f"{name}:{number}", Refused(f"{name}:{number}", f"not valid JSON: {exc}")


def _listenbrainz_file(name: str, content: bytes) -> Iterator[Outcome]:
    for where, item in _json_rows(name, content):
        if isinstance(item, Refused):
            yield item
            continue
        if not isinstance(item, dict):
            yield Refused(where, "a listen is a JSON object")
            continue
        listen = {k: item[k] for k in ("listened_at", "track_metadata") if k in item}
        try:
            valid = lb.validate_listen(listen, "import")
        except lb.ListenBrainzRefusal as exc:
            yield Refused(where, exc.message)
            continue
        yield Parsed(where, lb.to_listen(valid, platform="listenbrainz"))


def _spotify_file(name: str, content: bytes) -> Iterator[Outcome]:
    video = "video" in name.rsplit("/", 1)[-1].lower()
    for where, item in _json_rows(name, content):
        if isinstance(item, Refused):
            yield item
        elif not isinstance(item, dict):
            yield Refused(where, "a row is a JSON object")
        elif video:
            yield Skipped(where, "video")
        else:
            yield spotify_row(where, item)


def spotify_row(where: str, row: dict[str, Any]) -> Outcome:
    """One Spotify row: `ts` is when playback ended, so the listen began ms_played earlier."""
    if row.get("episode_name") or row.get("spotify_episode_uri"):
        return Skipped(where, "podcast")
    if row.get("audiobook_title") or row.get("audiobook_uri"):
        return Skipped(where, "audiobook")
    if row.get("incognito_mode"):
        return Skipped(where, "incognito")
    ms_played = row.get("ms_played")
    if not isinstance(ms_played, int) or ms_played < 0:
        return Refused(where, "ms_played is not a whole number of milliseconds")
    if ms_played < SHORT_PLAY_MS and (
        row.get("skipped") or ("reason_end" in row and row["reason_end"] in SPOTIFY_SKIP_REASONS)
    ):
        return Skipped(where, "short_play")
    track, artist = (
        row.get("master_metadata_track_name"),
        row.get("master_metadata_album_artist_name"),
    )
    if (
        not isinstance(track, str)
        or not track.strip()
        or not isinstance(artist, str)
        or not artist.strip()
    ):
        return Refused(where, "no track or artist name")
    try:
        ended = datetime.strptime(str(row.get("ts")), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return Refused(where, f"ts {row.get('ts')!r} is not a UTC time like 2021-03-04T12:34:56Z")
    started = ended - timedelta(milliseconds=ms_played)
    if started.timestamp() < lb.LISTEN_MINIMUM_TS:
        return Refused(where, "played before 2002-10-01")
    if any("\x00" in str(value) for value in row.values()):
        return Refused(where, "contains a unicode null")
    album = row.get("master_metadata_album_album_name")
    uri = row.get("spotify_track_uri")
    spotify_id = (
        uri.rsplit(":", 1)[-1]
        if isinstance(uri, str) and uri.startswith("spotify:track:")
        else None
    )
    return Parsed(
        where,
        ListenIn(
            listened_at=started,
            artist_name=artist.strip(),
            track_name=track.strip(),
            release_name=album.strip() if isinstance(album, str) and album.strip() else None,
            platform="spotify",
            ms_played=ms_played,
            skipped=bool(row.get("skipped")),
            spotify_id=spotify_id,
            client="spotify-export",
            additional_info=_spotify_info(row),
        ),
    )


def _spotify_info(row: dict[str, Any]) -> dict[str, Any]:
    kept = ("reason_start", "reason_end", "shuffle", "offline", "platform", "conn_country")
    info = {key: row[key] for key in kept if row.get(key) is not None}
    info["music_service"] = "spotify.com"
    return info
