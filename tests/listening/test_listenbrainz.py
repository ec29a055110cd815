"""ListenBrainz's submission rules, checked without a server (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backbeat.listening import listenbrainz as lb

NOW = 1_780_000_000.0


def raw(document: Any) -> bytes:
    return json.dumps(document).encode()


def listen(**overrides: Any) -> dict[str, Any]:
    return {
        "listened_at": int(NOW) - 10,
        "track_metadata": {"artist_name": "Luna", "track_name": "Night Drive", **overrides},
    }


class TestParseSubmission:
    @pytest.mark.parametrize(
        ("document", "message"),
        [
            (
                [],
                "Invalid JSON document submitted. Top level of JSON document should be a json "
                "object.",
            ),
            ({"payload": []}, "Invalid JSON document submitted."),
            (
                {"listen_type": "single", "payload": {}},
                "The payload in the JSON document should be a list of listens.",
            ),
            (
                {"listen_type": "single", "payload": []},
                "JSON document does not contain any listens",
            ),
            (
                {"listen_type": "loud", "payload": [{}]},
                "JSON document requires a valid listen_type key.",
            ),
            (
                {"listen_type": "single", "payload": [{}, {}]},
                "JSON document contains more than listen for a single/playing_now. It should "
                "contain only one.",
            ),
            (
                {"listen_type": "import", "payload": [{}] * 1001},
                "Too many listens. You may not submit more than 1000 listens at once.",
            ),
        ],
    )
    def test_refuses_with_listenbrainz_messages(self, document: Any, message: str) -> None:
        with pytest.raises(lb.ListenBrainzRefusal) as refused:
            lb.parse_submission(raw(document), document)
        assert refused.value.message == message
        assert refused.value.status == 400

    def test_a_listen_over_10240_bytes_is_too_large(self) -> None:
        document = {"listen_type": "single", "payload": [listen(release_name="x" * 10_300)]}
        with pytest.raises(lb.ListenBrainzRefusal) as refused:
            lb.parse_submission(raw(document), document)
        assert "Each listens may not be larger than 10240 bytes" in refused.value.message

    def test_accepts_a_thousand_listens(self) -> None:
        document = {"listen_type": "import", "payload": [listen()] * 1000}
        assert len(lb.parse_submission(raw(document), document).listens) == 1000


class TestValidateListen:
    @pytest.mark.parametrize(
        ("item", "message"),
        [
            (
                {"track_metadata": {}},
                "JSON document must contain the key listened_at at the top level.",
            ),
            (
                {"listened_at": "soon", "track_metadata": {}},
                "JSON document must contain an int value for listened_at.",
            ),
            (
                {"listened_at": int(NOW) + 3600, "track_metadata": {}},
                "Value for key listened_at is too high.",
            ),
            (
                {"listened_at": 1033430399, "track_metadata": {}},
                "Value for key listened_at is too low. listened_at timestamp should be greater "
                "than 1033410600 (2002-10-01 00:00:00 UTC).",
            ),
            (
                {"listened_at": int(NOW), "track_metadata": {}, "x": 1},
                "JSON document may only contain listened_at and track_metadata top level keys",
            ),
            (listen(track_name="  "), "field track_metadata.track_name is empty."),
            (listen(artist_name=["a", "b"]), "track_metadata.artist_name must be a single string."),
            (
                {"listened_at": int(NOW), "track_metadata": {"track_name": "t"}},
                "JSON document does not contain required field track_metadata.artist_name.",
            ),
            (
                listen(additional_info={"duration": 10, "duration_ms": 10000}),
                "JSON document should not contain both duration and duration_ms.",
            ),
            (
                listen(additional_info={"duration_ms": 0}),
                "Value for duration_ms is invalid, should be a positive integer.",
            ),
            (
                listen(additional_info={"recording_mbid": "not-a-uuid"}),
                "recording_mbid MBID format invalid.",
            ),
            (
                listen(additional_info={"artist_mbids": ["nope"]}),
                "artist_mbids MBID format invalid.",
            ),
            (listen(track_name="a\x00b"), "a\x00b contains a unicode null"),
            (
                listen(additional_info={"tags": ["t"] * 51}),
                "JSON document may not contain more than 50 items in "
                "track_metadata.additional_info.tags.",
            ),
        ],
    )
    def test_refuses_with_listenbrainz_messages(self, item: Any, message: str) -> None:
        with pytest.raises(lb.ListenBrainzRefusal) as refused:
            lb.validate_listen(item, "single", now=NOW)
        assert refused.value.message == message

    def test_playing_now_must_not_carry_listened_at(self) -> None:
        with pytest.raises(lb.ListenBrainzRefusal) as refused:
            lb.validate_listen(listen(), "playing_now", now=NOW)
        assert "must not contain listened_at" in refused.value.message

    def test_strips_names_and_drops_empty_mbids(self) -> None:
        item = listen(track_name=" Night Drive ", additional_info={"release_mbid": ""})
        valid = lb.validate_listen(item, "import", now=NOW)
        assert valid["track_metadata"]["track_name"] == "Night Drive"
        assert "release_mbid" not in valid["track_metadata"]["additional_info"]

    def test_to_listen_reads_identifiers_and_duration(self) -> None:
        mbid = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
        item = listen(
            additional_info={"duration": 200, "recording_mbid": mbid, "isrc": "GBAYE0601498"}
        )
        value = lb.to_listen(lb.validate_listen(item, "single", now=NOW))
        assert (value.duration_ms, str(value.recording_mbid), value.isrc) == (
            200_000,
            mbid,
            "GBAYE0601498",
        )


class TestQueries:
    def test_count_is_capped_at_1000_and_defaults_to_25(self) -> None:
        assert lb.listens_query(None, None, "5000").count == 1000
        assert lb.listens_query(None, None, None).count == 25

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("x", None, None), "Invalid min_ts argument: x"),
            (("10", "5", None), "max_ts should be greater than min_ts"),
            (("5", "5", None), "min_ts should be less than max_ts"),
            ((None, None, "-1"), "Number of items requested should be positive"),
        ],
    )
    def test_refusals(self, args: tuple[str | None, str | None, str | None], message: str) -> None:
        with pytest.raises(lb.ListenBrainzRefusal) as refused:
            lb.listens_query(*args)
        assert refused.value.message == message

    def test_playing_now_keeps_the_duration_or_600_seconds(self) -> None:
        assert lb.playing_now_seconds({"additional_info": {"duration_ms": 181_500}}) == 181
        assert lb.playing_now_seconds({}) == 600
