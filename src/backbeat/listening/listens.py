"""A listen as values: what every way in (native API, ListenBrainz API, imports) produces."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MSID_NAMESPACE = uuid.UUID("6f3c1d2e-8b4a-5c9e-9d7f-1a2b3c4d5e6f")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case- and space-insensitive text, as matching and duplicate detection compare it."""
    return _SPACES.sub(" ", text).strip().casefold()


def recording_msid(artist_name: str, track_name: str) -> uuid.UUID:
    """The same normalised artist and title always give the same id (MessyBrainz's idea)."""
    return uuid.uuid5(MSID_NAMESPACE, f"{normalise(artist_name)}\x1f{normalise(track_name)}")


@dataclass(frozen=True)
class ListenIn:
    """One listen ready to store; `track_id` names a catalog track when the client knows it."""

    listened_at: datetime
    artist_name: str
    track_name: str
    platform: str = "backbeat"
    release_name: str | None = None
    duration_ms: int | None = None
    ms_played: int | None = None
    skipped: bool = False
    recording_mbid: uuid.UUID | None = None
    isrc: str | None = None
    spotify_id: str | None = None
    track_id: uuid.UUID | None = None
    client: str | None = None
    additional_info: dict[str, Any] = field(default_factory=dict)

    @property
    def msid(self) -> uuid.UUID:
        return recording_msid(self.artist_name, self.track_name)

    def row(self, listen_id: uuid.UUID) -> dict[str, Any]:
        """The JSON object the ingest statement reads with jsonb_to_recordset."""
        return {
            "id": str(listen_id),
            "listened_at": self.listened_at.astimezone(UTC).isoformat(),
            "artist_name": self.artist_name,
            "track_name": self.track_name,
            "release_name": self.release_name,
            "duration_ms": self.duration_ms,
            "ms_played": self.ms_played,
            "skipped": self.skipped,
            "recording_msid": str(self.msid),
            "recording_mbid": str(self.recording_mbid) if self.recording_mbid else None,
            "isrc": self.isrc.upper().replace("-", "") if self.isrc else None,
            "spotify_id": self.spotify_id,
            "track_id": str(self.track_id) if self.track_id else None,
            "client": self.client,
            "platform": self.platform,
            "additional_info": self.additional_info,
        }
