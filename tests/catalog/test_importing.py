"""The seed's CSV layout: good rows become tracks, every bad row is reported with its line."""

from __future__ import annotations

import uuid

from backbeat.catalog.importing import parse_tracks_csv
from backbeat.catalog.shares import PayeeRef
from backbeat.catalog.vocabulary import SampleType

SP = "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"
EVM = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
HEADER = (
    "title,artist,description,tags,sample_type,loop_category,isrc,"
    "composition_split_1_wallet,composition_split_1_percentage,"
    "composition_split_2_wallet,composition_split_2_percentage,"
    "composition_split_3_wallet,composition_split_3_percentage,"
    "production_split_1_wallet,production_split_1_percentage,"
    "production_split_2_wallet,production_split_2_percentage,"
    "cover_image_url,created_by\n"
)


def row(title: str = "Night Drive", **overrides: str) -> str:
    values = {
        "title": title,
        "artist": "Luna",
        "description": "",
        "tags": '"[""lofi"", ""Chill""]"',
        "sample_type": "VOCALS",
        "loop_category": "",
        "isrc": "",
        "c1w": SP,
        "c1p": "50.00",
        "c2w": "",
        "c2p": "0",
        "c3w": EVM,
        "c3p": "50",
        "p1w": SP,
        "p1p": "100",
        "p2w": "",
        "p2p": "",
        "cover": "https://example.com/x.png",
        "created_by": SP,
    }
    values.update(overrides)
    return ",".join(values.values()) + "\n"


def test_a_good_file_parses_every_row() -> None:
    parsed = parse_tracks_csv(HEADER + row() + row("Second", isrc="us-rc1-76-07839"))
    assert parsed.errors == []
    first, second = parsed.tracks
    assert first.sample_type is SampleType.VOCALS
    assert first.tags == ("lofi", "chill")
    assert [str(p) for p, _ in first.composition] == [f"stacks:1:{SP}", f"eip155:1:{EVM}"]
    assert [s for _, s in first.composition] == [500_000, 500_000]
    assert first.production == ((PayeeRef(wallet=f"stacks:1:{SP}"), 1_000_000),)
    assert second.isrc == "USRC17607839"
    assert (first.line, second.line) == (2, 3)


def test_split_3_without_split_2_is_kept() -> None:
    """The seed's view dropped split 2 when only split 3 was set; here every entry counts."""
    parsed = parse_tracks_csv(HEADER + row(c1p="40", c2w=EVM, c2p="30", c3w=str(uuid.uuid4())))
    assert len(parsed.errors) == 1  # a bare uuid is not a payee
    parsed = parse_tracks_csv(HEADER + row(c1p="40", c3p="60"))
    assert [s for _, s in parsed.tracks[0].composition] == [400_000, 600_000]


def test_every_bad_row_is_reported_with_its_line_and_reasons() -> None:
    text = (
        HEADER
        + row("ok")
        + row("sum", c1p="40")
        + row("dup", c3w=SP)
        + row("", sample_type="kazoo")
        + row("ok")
    )
    parsed = parse_tracks_csv(text)
    assert [(e.line, e.reason.split(":")[0]) for e in parsed.errors] == [
        (3, "composition"),
        (4, "composition"),
        (
            5,
            "title is empty; 'kazoo' is not a sample type (vocals, beats, "
            "full_backing_track, leads_and_tops, instrumental, song, stem, other)",
        ),
        (6, "repeats the track on line 2"),
    ]
    assert "sum to 90 %" in parsed.errors[0].reason
    assert "twice" in parsed.errors[1].reason


def test_missing_columns_are_one_error_on_line_1() -> None:
    parsed = parse_tracks_csv("title,artist\nA,B\n")
    assert [(e.line, e.reason) for e in parsed.errors] == [(1, "missing columns: sample_type")]


def test_a_percentage_without_a_wallet_is_an_error() -> None:
    parsed = parse_tracks_csv(HEADER + row(c2p="10", c1p="40"))
    assert "needs both a wallet and a percentage" in parsed.errors[0].reason


def test_quoted_multiline_fields_keep_line_numbers() -> None:
    parsed = parse_tracks_csv(HEADER + row(description='"two\nlines"') + row("x", c1p="1"))
    assert parsed.errors[0].line == 4
    assert parsed.tracks[0].description == "two\nlines"


def test_natural_key_ignores_case_of_title() -> None:
    a = parse_tracks_csv(HEADER + row("Night Drive")).tracks[0]
    b = parse_tracks_csv(HEADER + row("NIGHT DRIVE")).tracks[0]
    assert a.natural_key == b.natural_key
