"""ISRC format and the ISWC check digit (ISO 15707)."""

from __future__ import annotations

import pytest

from backbeat.catalog.identifiers import (
    InvalidIdentifier,
    iswc_check_digit,
    normalise_isrc,
    normalise_iswc,
)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("USRC17607839", "USRC17607839"),
        ("us-rc1-76-07839", "USRC17607839"),
        ("GBAYE0601498", "GBAYE0601498"),
    ],
)
def test_isrc(text: str, normalised: str) -> None:
    assert normalise_isrc(text) == normalised


@pytest.mark.parametrize(
    "text", ["", "USRC1760783", "1SRC17607839", "USRC1760783X", "US-RC1-76-0783"]
)
def test_bad_isrc(text: str) -> None:
    with pytest.raises(InvalidIdentifier):
        normalise_isrc(text)


def test_published_iswc_example_has_check_digit_1() -> None:
    # The ISO 15707 example quoted by the ISWC agency and Wikipedia: T-034.524.680-1.
    assert iswc_check_digit("034524680") == 1


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("T-034.524.680-1", "T-034.524.680-1"),
        ("T0345246801", "T-034.524.680-1"),
        ("t-034524680-1", "T-034.524.680-1"),
        ("T-000.000.001-0", "T-000.000.001-0"),
    ],
)
def test_iswc(text: str, normalised: str) -> None:
    assert normalise_iswc(text) == normalised


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("T-034.524.680-2", "expected 1"),
        ("T-034.524.68-1", "not an ISWC"),
        ("X-034.524.680-1", "not an ISWC"),
        ("", "not an ISWC"),
    ],
)
def test_bad_iswc(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        normalise_iswc(text)
