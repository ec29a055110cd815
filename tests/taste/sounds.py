"""Synthesised loops for the audio model's tests: a drum-and-bass style and a pad style."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf  # type: ignore[import-untyped]

RATE = 44_100


def beat_loop(*, bpm: float, bass_root: float, seed: int, seconds: float = 12.0) -> np.ndarray:
    """Kick on every beat, noise hats on the eighths, a saw bass on the root and its fifth."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    out = np.zeros_like(t)
    beat = 60.0 / bpm
    for start in np.arange(0, seconds, beat):
        n = np.arange(int(0.25 * RATE))
        sweep = np.sin(2 * np.pi * (50 + 90 * np.exp(-n / 800)) * n / RATE) * np.exp(-n / 3000)
        _add(out, start, sweep * 0.9)
    for start in np.arange(beat / 2, seconds, beat / 2):
        hat = int(0.04 * RATE)
        _add(out, start, rng.normal(0, 0.25, hat) * np.exp(-np.arange(hat) / 300))
    for i, start in enumerate(np.arange(0, seconds, beat * 2)):
        freq = bass_root * (1.5 if i % 2 else 1.0)
        n = np.arange(int(beat * 2 * RATE))
        saw = 2 * ((freq * n / RATE) % 1.0) - 1
        _add(out, start, 0.3 * saw * np.exp(-n / (RATE * 0.8)))
    return np.asarray(out / np.max(np.abs(out)) * 0.8)


def pad(*, chord: tuple[float, ...], seed: int, seconds: float = 12.0) -> np.ndarray:
    """Slow sustained sine chords with vibrato: no drums at all."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    out = np.zeros_like(t)
    for freq in chord:
        rate = rng.uniform(4, 6)
        phase = 2 * np.pi * freq * t + 0.003 * freq / rate * np.sin(2 * np.pi * rate * t)
        out += np.sin(phase) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.1 * t))
    return np.asarray(out / np.max(np.abs(out)) * 0.6)


def _add(out: np.ndarray, start: float, sound: np.ndarray) -> None:
    first = int(start * RATE)
    end = min(len(out), first + len(sound))
    out[first:end] += sound[: end - first]


def write(path: Path, samples: np.ndarray, *, format: str = "WAV", rate: int = RATE) -> Path:
    """Write stereo audio (the same signal on both channels)."""
    stereo = np.stack([samples, samples], axis=1).astype(np.float32)
    subtype = {"WAV": "PCM_16", "MP3": "MPEG_LAYER_III", "FLAC": "PCM_16"}[format]
    sf.write(str(path), stereo, rate, format=format, subtype=subtype)
    return path
