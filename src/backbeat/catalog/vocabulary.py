"""The catalog's small vocabularies, and how loose input (the seed's `VOCALS`) maps onto them."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar


class UnknownTerm(ValueError):
    """A value outside a vocabulary; the message lists what is allowed."""


class SampleType(StrEnum):
    """What a track is, for a loop store (the seed's values) and for songs, stems and masters."""

    VOCALS = "vocals"
    BEATS = "beats"
    FULL_BACKING_TRACK = "full_backing_track"
    LEADS_AND_TOPS = "leads_and_tops"
    INSTRUMENTAL = "instrumental"
    SONG = "song"
    STEM = "stem"
    OTHER = "other"


class Role(StrEnum):
    """A payee's or a credit's part in the work."""

    COMPOSER = "composer"
    LYRICIST = "lyricist"
    COMPOSER_LYRICIST = "composer_lyricist"
    ARRANGER = "arranger"
    PRODUCER = "producer"
    PERFORMER = "performer"
    ENGINEER = "engineer"
    PUBLISHER = "publisher"
    LABEL = "label"
    OTHER = "other"


class StemType(StrEnum):
    """The part of a mix a stem carries (the studio seed's values)."""

    VOCALS = "vocals"
    DRUMS = "drums"
    BASS = "bass"
    HARMONIC = "harmonic"
    OTHER = "other"


class LineageKind(StrEnum):
    """How a child track derives from a parent."""

    REMIX = "remix"
    SAMPLE = "sample"
    INTERPOLATION = "interpolation"
    STEM_OF = "stem_of"
    GENERATED_FROM = "generated_from"  # made by a generator from this source (taste's edges)

    @property
    def carries_share(self) -> bool:
        """Remixes, samples and interpolations pay their parent; a stem is the parent's own."""
        return self is not LineageKind.STEM_OF


class Visibility(StrEnum):
    """Public: listed and readable; unlisted: readable by id; private: the owner only."""

    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


class SheetKind(StrEnum):
    """The two split sheets of a track."""

    COMPOSITION = "composition"
    PRODUCTION = "production"


class SheetStatus(StrEnum):
    """Active: may be in force; pending: awaiting consent; superseded: replaced before in force."""

    ACTIVE = "active"
    PENDING = "pending"
    SUPERSEDED = "superseded"


DEFAULT_REMIX_SHARE_PPM = 200_000  # the seed's remix_percentage default, 20 %

_SAMPLE_TYPE_ALIASES = {
    "vocal": SampleType.VOCALS,
    "beat": SampleType.BEATS,
    "full_backing_tracks": SampleType.FULL_BACKING_TRACK,
    "backing_track": SampleType.FULL_BACKING_TRACK,
    "lead_and_top": SampleType.LEADS_AND_TOPS,
    "leads_and_top": SampleType.LEADS_AND_TOPS,
    "instrumentals": SampleType.INSTRUMENTAL,
    "songs": SampleType.SONG,
    "stems": SampleType.STEM,
}


def _slug(text: str) -> str:
    """'FULL BACKING TRACKS' → 'full_backing_tracks'."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def normalise_sample_type(text: str) -> SampleType:
    """Case, spaces, hyphens and plurals do not matter: `VOCALS` and `vocals` are one type."""
    slug = _slug(text)
    if slug in SampleType._value2member_map_:
        return SampleType(slug)
    if slug in _SAMPLE_TYPE_ALIASES:
        return _SAMPLE_TYPE_ALIASES[slug]
    allowed = ", ".join(SampleType)
    raise UnknownTerm(f"{text!r} is not a sample type ({allowed})")


_KEY = re.compile(
    r"(?P<tonic>[A-G])(?P<accidental>#|b|♯|♭)?\s*(?P<mode>m|min|minor|maj|major|M)?", re.IGNORECASE
)


def normalise_key(text: str) -> str:
    """'a minor', 'Am', 'A min' → 'Am'; 'c#', 'C# major' → 'C#': tonic, accidental, m for minor."""
    match = _KEY.fullmatch(text.strip())
    if match is None:
        raise UnknownTerm(f"{text!r} is not a musical key such as C, F#m or Bb minor")
    accidental = {"♯": "#", "♭": "b"}.get(match["accidental"] or "", match["accidental"] or "")
    mode = match["mode"] or ""
    minor = mode != "M" and mode.lower() in {"m", "min", "minor"}
    return match["tonic"].upper() + accidental.lower() + ("m" if minor else "")


E = TypeVar("E", bound=StrEnum)


def parse_term(vocabulary: type[E], text: str) -> E:
    """A vocabulary member from case-insensitive input, or UnknownTerm listing the choices."""
    try:
        return vocabulary(_slug(text))
    except ValueError:
        allowed = ", ".join(vocabulary)
        raise UnknownTerm(f"{text!r} is not one of {allowed}") from None
