"""A band's style: the mean of its tracks' embeddings, kept incrementally, and the name and bio
a band gets from it when its owner gives none (deterministic: the same style, the same words)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from backbeat.taste.generators import Shape

ADJECTIVES = (
    *("Velvet", "Neon", "Hollow", "Golden", "Midnight", "Paper", "Electric", "Quiet"),
    *("Crimson", "Static", "Silver", "Wild", "Glass", "Lunar", "Broken", "Solar"),
)
NOUNS = (
    *("Engines", "Tides", "Satellites", "Harbours", "Foxes", "Circuits", "Lanterns", "Orchards"),
    *("Signals", "Rivers", "Pilots", "Echoes", "Gardens", "Machines", "Comets", "Arcades"),
)
"""Sixteen of each: 256 names, chosen by the style's hash."""


def add_to_mean(mean: Sequence[float] | None, count: int, vector: Sequence[float]) -> list[float]:
    """The mean of `count` vectors with one more added, in O(d)."""
    v = np.asarray(vector, dtype=np.float64)
    if mean is None or count == 0:
        return [float(x) for x in v]
    m = np.asarray(mean, dtype=np.float64)
    return [float(x) for x in m + (v - m) / (count + 1)]


def remove_from_mean(
    mean: Sequence[float] | None, count: int, vector: Sequence[float]
) -> list[float] | None:
    """The mean of `count` vectors with one of them taken away; None when none is left."""
    if mean is None or count <= 1:
        return None
    m, v = np.asarray(mean, dtype=np.float64), np.asarray(vector, dtype=np.float64)
    return [float(x) for x in (m * count - v) / (count - 1)]


def style_digest(shape: Shape, style: Sequence[float] | None) -> bytes:
    """A stable fingerprint of a style: its rounded shape and rounded vector."""
    rounded = [round(float(x), 3) for x in style or ()]
    text = f"{round(shape.bpm)}|{shape.key}|{round(shape.energy, 1)}|{rounded}"
    return hashlib.sha256(text.encode()).digest()


def band_name(shape: Shape, style: Sequence[float] | None) -> str:
    """'The Neon Satellites': an adjective and a noun picked by the style's fingerprint."""
    digest = style_digest(shape, style)
    return f"The {ADJECTIVES[digest[0] % 16]} {NOUNS[digest[1] % 16]}"


def band_bio(name: str, shape: Shape) -> str:
    """One sentence from the shape: tempo, key and energy in words."""
    pace = "slow-burning" if shape.bpm < 90 else "mid-tempo" if shape.bpm < 120 else "driving"
    mood = "in a minor key" if shape.key.endswith("m") else "in a major key"
    heat = "restless" if shape.energy > 0.7 else "steady" if shape.energy > 0.4 else "hushed"
    return f"{name} play {pace}, {heat} music {mood}: around {round(shape.bpm)} BPM in {shape.key}."
