"""Loose input onto the catalog's vocabularies."""

from __future__ import annotations

import pytest

from backbeat.catalog.vocabulary import (
    LineageKind,
    Role,
    SampleType,
    UnknownTerm,
    normalise_key,
    normalise_sample_type,
    parse_term,
)


@pytest.mark.parametrize(
    ("text", "sample_type"),
    [
        ("VOCALS", SampleType.VOCALS),
        ("vocals", SampleType.VOCALS),
        ("BEATS", SampleType.BEATS),
        ("FULL BACKING TRACKS", SampleType.FULL_BACKING_TRACK),
        ("full-backing-track", SampleType.FULL_BACKING_TRACK),
        ("LEADS AND TOPS", SampleType.LEADS_AND_TOPS),
        ("instrumentals", SampleType.INSTRUMENTAL),
        (" Instrumental ", SampleType.INSTRUMENTAL),
    ],
)
def test_seed_sample_types_normalise(text: str, sample_type: SampleType) -> None:
    assert normalise_sample_type(text) is sample_type


def test_unknown_sample_type_lists_the_choices() -> None:
    with pytest.raises(UnknownTerm, match="full_backing_track"):
        normalise_sample_type("kazoo")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Am", "Am"),
        ("a minor", "Am"),
        ("A min", "Am"),
        ("C", "C"),
        ("C major", "C"),
        ("c#", "C#"),
        ("F#m", "F#m"),
        ("Bb minor", "Bbm"),
        ("E♭", "Eb"),
        ("CM", "C"),
    ],
)
def test_keys(text: str, key: str) -> None:
    assert normalise_key(text) == key


@pytest.mark.parametrize("text", ["H", "", "C##", "minor"])
def test_bad_keys(text: str) -> None:
    with pytest.raises(UnknownTerm):
        normalise_key(text)


def test_terms_are_case_insensitive() -> None:
    assert parse_term(Role, "Composer Lyricist") is Role.COMPOSER_LYRICIST
    with pytest.raises(UnknownTerm, match="composer"):
        parse_term(Role, "drummer")


def test_only_stems_carry_no_share() -> None:
    assert [k for k in LineageKind if not k.carries_share] == [LineageKind.STEM_OF]
