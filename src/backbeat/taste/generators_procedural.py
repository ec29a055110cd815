"""The built-in generator: procedural music in a key and at a tempo, as a 16-bit WAV.

Drums on the beat (denser with energy), a bass on each bar's root, pad chords and an arpeggio of
a diatonic progression in the key. Every choice comes from a random generator seeded by the
recipe's seed, so one recipe always gives the same bytes; media's analysis finds the tempo and
key again in the file (a test checks it).
"""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf  # type: ignore[import-untyped]
from numpy.typing import NDArray

from backbeat.taste.generators import Recipe, Rendered, generators, parse_key

RATE = 44_100
MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
PROGRESSIONS = ((0, 4, 5, 3), (0, 5, 3, 4), (0, 3, 4, 4), (0, 5, 1, 4), (0, 3, 0, 4))
"""Scale degrees, one chord a bar (I-V-vi-IV and friends; i-VI-iv-v in minor)."""

Wave = NDArray[np.float64]


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _tone(freq: float, seconds: float, decay: float, harmonics: int) -> Wave:
    t = np.arange(max(1, int(seconds * RATE))) / RATE
    wave = sum(np.sin(2 * np.pi * freq * h * t) / h for h in range(1, harmonics + 1))
    attack = np.minimum(1.0, t / 0.005)
    return np.asarray(wave * attack * np.exp(-t / decay))


def _kick() -> Wave:
    t = np.arange(int(0.3 * RATE)) / RATE
    phase = 2 * np.pi * (48 * t + 90 * 0.035 * (1 - np.exp(-t / 0.035)))
    return np.asarray(np.sin(phase) * np.exp(-t / 0.09))


def _noise(rng: np.random.Generator, seconds: float, decay: float) -> Wave:
    n = int(seconds * RATE)
    return np.asarray(np.diff(rng.standard_normal(n + 1)) * np.exp(-np.arange(n) / (decay * RATE)))


def _add(out: Wave, sound: Wave, at: float, gain: float) -> None:
    start = int(at * RATE)
    end = min(len(out), start + len(sound))
    if start < end:
        out[start:end] += gain * sound[: end - start]


def _chord(tonic: int, scale: tuple[int, ...], degree: int) -> tuple[int, int, int]:
    """The diatonic triad on a degree, as semitones above the tonic's pitch class."""
    notes = [scale[(degree + step) % 7] + 12 * ((degree + step) // 7) for step in (0, 2, 4)]
    return notes[0] + tonic, notes[1] + tonic, notes[2] + tonic


class ProceduralGenerator:
    """Synthesised drums, bass, pads and arpeggio; deterministic for a recipe."""

    name = "backbeat-procedural"
    version = "1.0.0"

    def render(self, recipe: Recipe) -> Rendered:
        out = self.synthesise(recipe)
        buffer = io.BytesIO()
        sf.write(buffer, out.astype(np.float32), RATE, format="WAV", subtype="PCM_16")
        return Rendered(buffer.getvalue(), "audio/wav", "wav")

    def synthesise(self, recipe: Recipe) -> Wave:
        """The mix, peak-normalised between -12 and -1 dBFS by energy (never clipping)."""
        rng = np.random.default_rng(recipe.seed)
        shape = recipe.shape
        beat = 60.0 / shape.bpm
        out = np.zeros(int(recipe.duration_seconds * RATE))
        tonic, minor = parse_key(shape.key)
        scale = MINOR if minor else MAJOR
        progression = PROGRESSIONS[int(rng.integers(len(PROGRESSIONS)))]
        beats = int(recipe.duration_seconds / beat)
        self._drums(out, rng, beat, beats, shape.energy)
        for bar in range(beats // 4 + 1):
            degree = progression[bar % 4]
            if recipe.mode == "radio" and bar % 8 >= 4:
                degree = progression[(bar + 2) % 4]  # a radio piece wanders between sections
            self._bar(out, rng, bar * 4 * beat, beat, _chord(tonic, scale, degree), shape.energy)
        fade = min(len(out), int(0.05 * RATE))
        out[len(out) - fade :] *= np.linspace(1.0, 0.0, fade)
        return out * (0.25 + 0.64 * shape.energy) / max(float(np.abs(out).max()), 1e-9)

    def _drums(
        self, out: Wave, rng: np.random.Generator, beat: float, beats: int, energy: float
    ) -> None:
        kick, snare = _kick(), _noise(rng, 0.2, 0.05)
        hat = _noise(rng, 0.05, 0.008)
        hats_per_beat = 4 if energy > 0.75 else 2 if energy > 0.35 else 1
        for index in range(beats):
            at = index * beat
            if energy > 0.5 or index % 2 == 0:
                _add(out, kick, at, 0.9)
            if index % 4 in (1, 3):
                _add(out, snare, at, 0.25 + 0.2 * energy)
            for step in range(hats_per_beat):
                accent = 0.1 + 0.05 * float(rng.random())
                _add(out, hat, at + (step + 0.5) * beat / hats_per_beat, accent)

    def _bar(
        self,
        out: Wave,
        rng: np.random.Generator,
        start: float,
        beat: float,
        chord: tuple[int, int, int],
        energy: float,
    ) -> None:
        root = chord[0] % 12
        bass = _tone(_hz(36 + root), 2 * beat, beat, 3)
        _add(out, bass, start, 0.4)
        _add(out, bass, start + 2 * beat, 0.35)
        for note in chord:
            _add(out, _tone(_hz(60 + note), 4 * beat, 2 * beat, 2), start, 0.12)
        steps = 8 if energy > 0.45 else 4
        for step in range(steps):
            note = chord[int(rng.integers(3))] + 12 * int(rng.integers(2))
            _add(
                out,
                _tone(_hz(72 + note), beat / 2, beat / 4, 3),
                start + step * 4 * beat / steps,
                0.1,
            )


PROCEDURAL = generators.register(ProceduralGenerator())
