"""Generators: the pluggable makers of audio, and the musical shape a request asks of them.

A generator has a name and a version (both kept in a generation's provenance) and renders a
`Recipe` into audio bytes. Rendering is pure and deterministic: the same recipe gives the same
bytes, so a generation can be reproduced from its provenance alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import median
from typing import Any, Protocol, TypeVar

from backbeat.errors import Unprocessable

DEFAULT_BPM = 110.0
DEFAULT_KEY = "Am"
DEFAULT_ENERGY = 0.6
MODES = ("new", "similar", "extend", "radio")


@dataclass(frozen=True)
class Shape:
    """What the music should be like: tempo, key (catalog notation, 'F#m') and energy (0-1)."""

    bpm: float
    key: str
    energy: float


@dataclass(frozen=True)
class Reference:
    """A track a shape is taken from: its catalog tempo and key, and its measured loudness."""

    bpm: float | None
    key: str | None
    loudness_lufs: float | None


@dataclass(frozen=True)
class Recipe:
    """Everything a generator needs: the shape, the mode, the length and the seed."""

    mode: str
    shape: Shape
    duration_seconds: float
    seed: int

    def parameters(self) -> dict[str, Any]:
        """The recipe as JSON-ready provenance."""
        return asdict(self)


@dataclass(frozen=True)
class Rendered:
    """A generator's output: the file's bytes and the type it claims."""

    data: bytes
    content_type: str
    extension: str


class Generator(Protocol):
    """A maker of audio: named and versioned, pure and deterministic for a recipe."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def render(self, recipe: Recipe) -> Rendered: ...


G = TypeVar("G", bound=Generator)


class GeneratorRegistry:
    """Generators by name; the first registered is the default."""

    def __init__(self) -> None:
        self._generators: dict[str, Generator] = {}

    def register(self, generator: G) -> G:
        """Add a generator (a platform plugs its own model in here)."""
        self._generators[generator.name] = generator
        return generator

    def get(self, name: str | None) -> Generator:
        """The named generator, or the default; 422 for a name nobody registered."""
        if name is None:
            return next(iter(self._generators.values()))
        found = self._generators.get(name)
        if found is None:
            known = ", ".join(self._generators)
            raise Unprocessable(f"No generator {name!r} (known: {known}).")
        return found

    def names(self) -> list[str]:
        return list(self._generators)


generators = GeneratorRegistry()
"""Every generator the API offers; `backbeat.taste.generators_procedural` registers the built-in."""


def energy_of(loudness_lufs: float | None) -> float | None:
    """Integrated loudness mapped onto 0-1: -30 LUFS is quiet (0), -6 LUFS is loud (1)."""
    if loudness_lufs is None:
        return None
    return min(1.0, max(0.0, (loudness_lufs + 30.0) / 24.0))


def shape_of(references: Sequence[Reference]) -> Shape:
    """The references' median tempo and energy and their most common key (defaults when none
    says), so one odd track does not pull the shape away from the rest."""
    tempos = [r.bpm for r in references if r.bpm]
    keys = [r.key for r in references if r.key]
    energies = [e for r in references if (e := energy_of(r.loudness_lufs)) is not None]
    key = max(sorted(set(keys)), key=keys.count) if keys else DEFAULT_KEY
    return Shape(
        bpm=round(median(tempos), 2) if tempos else DEFAULT_BPM,
        key=key,
        energy=round(median(energies), 3) if energies else DEFAULT_ENERGY,
    )


def match_percent(wanted: Shape, made: Shape) -> int:
    """How close a made shape is to the wanted one, 0-100: tempo (ratio, so half and double
    time are near), key (same tonic and mode, or relative keys) and energy, weighted 4:4:2."""
    ratio = max(wanted.bpm, made.bpm) / min(wanted.bpm, made.bpm)
    octave = min(abs(ratio - 1.0), abs(ratio - 2.0) + 0.05)
    tempo = max(0.0, 1.0 - octave * 5.0)
    key = 1.0 if wanted.key == made.key else 0.75 if _relative(wanted.key, made.key) else 0.25
    energy = 1.0 - abs(wanted.energy - made.energy)
    return round(100 * (0.4 * tempo + 0.4 * key + 0.2 * energy))


PITCHES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def parse_key(key: str) -> tuple[int, bool]:
    """The catalog's 'F#m' / 'Eb' → (pitch class of the tonic, minor)."""
    tonic = _NATURAL.get(key[:1].upper(), 0) + key[1:2].count("#") - key[1:2].count("b")
    return tonic % 12, key.endswith("m")


def key_name(tonic: int, minor: bool) -> str:
    """(pitch class, minor) → the catalog's notation."""
    return PITCHES[tonic % 12] + ("m" if minor else "")


def _relative(a: str, b: str) -> bool:
    (ta, ma), (tb, mb) = parse_key(a), parse_key(b)
    if ma == mb:
        return False
    major, minor = (ta, tb) if mb else (tb, ta)
    return (major - 3) % 12 == minor
