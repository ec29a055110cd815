"""Reading exports (pure): Spotify's rules as ListenBrainz's importer applies them, zips, and
ListenBrainz exports in JSON and JSON lines; broken rows are refused, the rest kept."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from backbeat.listening.importers import (
    Parsed,
    Refused,
    Skipped,
    UnreadableFile,
    read_export,
    spotify_row,
)
from tests.listening.factories import spotify_export
from tests.listening.factories import spotify_row as row


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


class TestSpotify:
    def test_the_listen_starts_ms_played_before_ts(self) -> None:
        parsed = spotify_row("a#1", row(ms_played=200_000))
        assert isinstance(parsed, Parsed)
        assert parsed.listen.listened_at == datetime(2024, 3, 4, 12, 31, 36, tzinfo=UTC)
        assert parsed.listen.spotify_id == "4uLU6hMCjMI75M1A2tKUQC"
        assert (parsed.listen.ms_played, parsed.listen.platform) == (200_000, "spotify")

    @pytest.mark.parametrize(
        ("fields", "kind"),
        [
            ({"incognito_mode": True}, "incognito"),
            ({"ms_played": 29_999, "skipped": True}, "short_play"),
            ({"ms_played": 29_999, "reason_end": "endplay"}, "short_play"),
            ({"spotify_episode_uri": "spotify:episode:1", "episode_name": "Ep"}, "podcast"),
            ({"audiobook_title": "Book"}, "audiobook"),
        ],
    )
    def test_rows_that_are_not_listens_are_skipped_and_named(
        self, fields: dict[str, Any], kind: str
    ) -> None:
        assert spotify_row("x", row(**fields)) == Skipped("x", kind)

    def test_a_short_play_that_ended_naturally_is_a_listen(self) -> None:
        assert isinstance(spotify_row("x", row(ms_played=20_000, reason_end="trackdone")), Parsed)

    def test_broken_rows_are_refused_with_a_reason(self) -> None:
        refused = spotify_row("f#3", row(ts="nope"))
        assert isinstance(refused, Refused) and "2021-03-04T12:34:56Z" in refused.reason
        nameless = spotify_row("f#4", row(master_metadata_track_name=None))
        assert nameless == Refused("f#4", "no track or artist name")

    def test_a_zip_with_audio_and_video_histories(self) -> None:
        raw = zipped(
            {
                "Spotify Extended Streaming History/Streaming_History_Audio_2024.json": json.dumps(
                    spotify_export()
                ),
                "Spotify Extended Streaming History/Streaming_History_Video_2024.json": json.dumps(
                    [row("Clip")]
                ),
                "Spotify Extended Streaming History/ReadMeFirst.pdf": "not json",
            }
        )
        outcomes = list(read_export(raw, "spotify"))
        assert [type(o).__name__ for o in outcomes] == [
            "Parsed",
            "Parsed",
            "Skipped",
            "Skipped",
            "Skipped",
            "Refused",
            "Skipped",
        ]
        assert outcomes[-1] == Skipped(outcomes[-1].where, "video")


class TestListenBrainz:
    LISTEN: ClassVar[dict[str, Any]] = {
        "listened_at": 1_700_000_000,
        "recording_msid": "ignored",
        "user_name": "someone",
        "track_metadata": {"artist_name": "Luna", "track_name": "Night Drive"},
    }

    def test_json_lines_with_a_broken_line(self) -> None:
        lines = [json.dumps(self.LISTEN), "{broken", json.dumps({**self.LISTEN, "listened_at": 5})]
        outcomes = list(read_export("\n".join(lines).encode(), "listenbrainz", "listens.jsonl"))
        assert isinstance(outcomes[0], Parsed)
        assert isinstance(outcomes[1], Refused) and outcomes[1].where == "listens.jsonl:2"
        assert isinstance(outcomes[2], Refused) and "too low" in outcomes[2].reason

    def test_a_json_array_and_a_zip_of_months(self) -> None:
        array = json.dumps([self.LISTEN, self.LISTEN]).encode()
        assert [type(o) for o in read_export(array, "listenbrainz")] == [Parsed, Parsed]
        raw = zipped(
            {
                "user.json": "{}",
                "listens/2023/11.jsonl": json.dumps(self.LISTEN),
                "feedback.jsonl": "{}",
            }
        )
        (only,) = read_export(raw, "listenbrainz")
        assert isinstance(only, Parsed) and only.where == "listens/2023/11.jsonl:1"

    def test_a_zip_without_exports_is_unreadable(self) -> None:
        with pytest.raises(UnreadableFile):
            list(read_export(zipped({"notes.txt": "hi"}), "listenbrainz"))
