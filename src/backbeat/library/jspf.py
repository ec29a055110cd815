"""JSPF (the JSON playlist format ListenBrainz uses) and M3U, both ways. Pure."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

TRACK_URL = re.compile(r"/tracks/([0-9a-fA-F-]{36})")


@dataclass(frozen=True)
class ImportedTrack:
    """A JSPF track: the Backbeat id its identifier names, else its creator and title."""

    track_id: uuid.UUID | None
    creator: str | None
    title: str | None


@dataclass(frozen=True)
class ImportedPlaylist:
    name: str
    description: str
    tracks: list[ImportedTrack]


def track_url(base_url: str, track_id: str) -> str:
    return f"{base_url.rstrip('/')}/v1/tracks/{track_id}"


def to_jspf(source: dict[str, Any], *, base_url: str, playlist_url: str) -> dict[str, Any]:
    """An export as JSPF: {"playlist": {title, creator, annotation, date, identifier, track}}."""
    tracks = []
    for track in source["tracks"]:
        entry: dict[str, Any] = {
            "title": track["title"],
            "creator": track["artist"],
            "identifier": [track_url(base_url, track["id"])],
        }
        if track.get("duration_seconds"):
            entry["duration"] = round(track["duration_seconds"] * 1000)
        tracks.append(entry)
    return {
        "playlist": {
            "title": source["name"],
            "creator": source["owner"],
            "annotation": source["description"],
            "date": source["created_at"],
            "identifier": playlist_url,
            "track": tracks,
        }
    }


def to_m3u(source: dict[str, Any], *, base_url: str) -> str:
    """Extended M3U: one #EXTINF line (seconds, "artist - title") and one URL per track."""
    lines = ["#EXTM3U", f"#PLAYLIST:{_one_line(source['name'])}"]
    for track in source["tracks"]:
        seconds = round(track["duration_seconds"]) if track.get("duration_seconds") else -1
        lines.append(
            f"#EXTINF:{seconds},{_one_line(track['artist'])} - {_one_line(track['title'])}"
        )
        lines.append(track_url(base_url, track["id"]))
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


class NotJspf(ValueError):
    """The document is not a JSPF playlist."""


def from_jspf(document: Any) -> ImportedPlaylist:
    """The playlist a JSPF document describes (tracks it cannot read are left out)."""
    playlist = document.get("playlist") if isinstance(document, dict) else None
    if not isinstance(playlist, dict) or not isinstance(playlist.get("track", []), list):
        raise NotJspf('A JSPF document is {"playlist": {"title": …, "track": [...]}}.')
    tracks = [t for t in (_track(item) for item in playlist.get("track", [])) if t]
    title = playlist.get("title")
    return ImportedPlaylist(
        name=str(title).strip()[:200] if title else "Imported playlist",
        description=str(playlist.get("annotation") or "")[:2000],
        tracks=tracks,
    )


def _track(item: Any) -> ImportedTrack | None:
    if not isinstance(item, dict):
        return None
    identifiers = item.get("identifier", [])
    identifiers = [identifiers] if isinstance(identifiers, str) else identifiers
    for identifier in identifiers if isinstance(identifiers, list) else []:
        found = TRACK_URL.search(str(identifier))
        if found:
            return ImportedTrack(uuid.UUID(found.group(1)), None, None)
    creator, title = item.get("creator"), item.get("title")
    if isinstance(creator, str) and isinstance(title, str) and creator.strip() and title.strip():
        return ImportedTrack(None, creator.strip(), title.strip())
    return None


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False)
