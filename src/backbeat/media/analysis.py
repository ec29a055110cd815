"""Audio analysis for the background job: loudness, true peak, tempo, key and waveform peaks.

The file is decoded once, in blocks, and each block is fed to the streaming meters of meters.py,
so loudness, true peak and peaks work on files of any length in constant memory. Tempo and key are
estimated here, from a mono copy downsampled to about 11 kHz, kept for at most the first
TONAL_MAX_SECONDS (about 26 MB), which bounds memory on long files (a DJ mix has no single tempo
or key anyway).

Key notation: the tonic spelled with sharps only (C, C#, D, D#, E, F, F#, G, G#, A, A#, B) and
"major" or "minor", e.g. "A major", "F# minor"; enharmonic spelling (Db vs C#) is not inferred.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import soundfile as sf  # type: ignore[import-untyped]

from backbeat.media.meters import (
    BLOCK_FRAMES,
    Floats,
    LoudnessMeter,
    Meter,
    MonoDownsampler,
    Samples,
    TruePeakMeter,
    WaveformPeaks,
    abs_max,
)
from backbeat.media.probe import BIT_DEPTHS, DECODER_FORMATS
from backbeat.media.sniff import MediaRejected

T = TypeVar("T")
MIN_BPM, MAX_BPM = 60.0, 200.0
SILENCE_FLOOR = 10 ** (-100 / 20)  # below a 16-bit LSB: nothing to find a tempo or key in
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Krumhansl–Kessler key profiles, tonic first.
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


@dataclass(frozen=True)
class AudioAnalysis:
    """Everything a player and a catalogue page want to know about a recording."""

    duration_seconds: float
    sample_rate: int
    bit_depth: int | None
    channels: int
    format: str
    loudness_lufs: float | None
    true_peak_dbtp: float | None
    bpm: float | None
    key: str | None
    waveform: tuple[tuple[float, float], ...]
    steps: tuple[tuple[str, float], ...]


class StepClock:
    """Wall time per named step, summed across blocks, so a benchmark can name the costliest."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the body and add it to `name`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed

    def run(self, name: str, work: Callable[[], T]) -> T:
        """Call `work` as (part of) step `name` and return its result."""
        with self.step(name):
            return work()


def analyse_audio(path: str | Path, *, waveform_points: int = 1000) -> AudioAnalysis:
    """Decode once in blocks, feed the streaming meters, then estimate tempo and key."""
    clock = StepClock()
    try:
        with sf.SoundFile(str(path)) as audio:
            rate, channels = int(audio.samplerate), int(audio.channels)
            loudness, peak = LoudnessMeter(rate, channels), TruePeakMeter(rate, channels)
            peaks, tonal = WaveformPeaks(audio.frames, waveform_points), MonoDownsampler(rate)
            meters: list[tuple[str, Meter]] = [("loudness", loudness), ("true_peak", peak)]
            meters += [("waveform", peaks), ("downsample", tonal)]
            frames = _decode_into(audio, clock, meters)
            fmt = DECODER_FORMATS.get(audio.format, audio.format.lower())
            bit_depth = BIT_DEPTHS.get(audio.subtype)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise MediaRejected("undecodable", f"the audio does not decode: {exc}") from exc
    true_peak, lufs = clock.run("true_peak", peak.result), clock.run("loudness", loudness.result)
    mono = tonal.result()
    bpm = clock.run("tempo", lambda: estimate_bpm(mono, tonal.rate))
    key = clock.run("key", lambda: estimate_key(mono, tonal.rate))
    return AudioAnalysis(
        duration_seconds=frames / rate,
        sample_rate=rate,
        bit_depth=bit_depth,
        channels=channels,
        format=fmt,
        loudness_lufs=lufs,
        true_peak_dbtp=true_peak,
        bpm=bpm,
        key=key,
        waveform=peaks.result(),
        steps=tuple(clock.seconds.items()),
    )


def _decode_into(audio: sf.SoundFile, clock: StepClock, meters: list[tuple[str, Meter]]) -> int:
    """Decode block by block (the `decode` step), feeding each meter (its own step)."""
    frames = 0
    while True:
        with clock.step("decode"):
            block: Samples = audio.read(BLOCK_FRAMES, dtype="float32", always_2d=True)
        if len(block) == 0:
            return frames
        frames += len(block)
        for name, meter in meters:
            with clock.step(name):
                meter.feed(block)


def _stft_magnitudes(x: Samples, n_fft: int, hop: int) -> Iterator[Samples]:
    """Hann-windowed magnitude spectra, yielded in chunks of frames to bound memory."""
    if len(x) < n_fft:
        return
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    window = np.hanning(n_fft).astype(np.float32)
    for start in range(0, len(frames), 2048):
        chunk = frames[start : start + 2048] * window
        yield np.abs(np.fft.rfft(chunk, axis=1)).astype(np.float32)


def onset_envelope(x: Samples, rate: float, hop: int = 128) -> Floats:
    """Half-wave rectified spectral flux of log magnitudes, one value per hop."""
    previous: Samples | None = None
    flux: list[Floats] = []
    for mags in _stft_magnitudes(x, 1024, hop):
        logs = np.log1p(100.0 * mags)
        joined = logs if previous is None else np.concatenate([previous, logs])
        rises = np.maximum(np.diff(joined, axis=0), 0.0).sum(axis=1)
        flux.append(rises.astype(np.float64))
        previous = logs[-1:]
    return np.concatenate(flux) if flux else np.zeros(0)


def estimate_bpm(x: Samples, rate: float) -> float | None:
    """Tempo from the onset envelope's autocorrelation, 60–200 BPM, with an octave prior."""
    if abs_max(x) < SILENCE_FLOOR:
        return None
    hop = 128
    envelope = _smooth(onset_envelope(x, rate, hop), 5)
    envelope_rate = rate / hop
    acf = _autocorrelation(envelope - envelope.mean()) if len(envelope) > 2 else np.zeros(0)
    max_lag = int(60 * envelope_rate / MIN_BPM) + 2
    if len(acf) <= 2 * max_lag or acf[0] <= 0:
        return None
    lags = np.arange(int(60 * envelope_rate / MAX_BPM), max_lag)
    bpms = 60 * envelope_rate / lags
    prior = np.exp(-0.5 * np.log2(bpms / 120.0) ** 2)
    score = (acf[lags] + 0.5 * acf[2 * lags]) / acf[0] * prior
    best = int(np.argmax(score))
    if score[best] <= 0:
        return None
    lag = lags[best] + _parabolic_offset(score, best)
    return round(float(60 * envelope_rate / lag), 1)


def _smooth(values: Floats, width: int) -> Floats:
    """Hann-smoothed copy, so beat spikes off the hop grid still line up across lags."""
    kernel = np.hanning(width + 2)[1:-1]
    return np.convolve(values, kernel / kernel.sum(), mode="same")


def _autocorrelation(x: Floats) -> Floats:
    """Linear (not circular) autocorrelation through a zero-padded FFT."""
    size = 1 << int(np.ceil(np.log2(2 * len(x))))
    spectrum = np.fft.rfft(x, size)
    return np.fft.irfft(spectrum * np.conj(spectrum), size)[: len(x)]


def _parabolic_offset(values: Floats, index: int) -> float:
    """Sub-sample position of a peak from its two neighbours (0 at the array's ends)."""
    if index == 0 or index == len(values) - 1:
        return 0.0
    left, mid, right = values[index - 1], values[index], values[index + 1]
    denominator = left - 2 * mid + right
    return 0.0 if denominator == 0 else float(0.5 * (left - right) / denominator)


def chroma(x: Samples, rate: float) -> Floats:
    """Energy per pitch class (C first) from spectral peaks between 55 Hz and 2 kHz."""
    n_fft = 4096
    freqs = np.fft.rfftfreq(n_fft, 1 / rate)
    band = (freqs >= 55.0) & (freqs <= 2000.0)
    classes = np.round(69 + 12 * np.log2(np.where(band, freqs, 440.0) / 440.0)).astype(int) % 12
    totals = np.zeros(12)
    for mags in _stft_magnitudes(x, n_fft, n_fft // 2):
        peaks = np.zeros_like(mags, dtype=bool)
        peaks[:, 1:-1] = (mags[:, 1:-1] > mags[:, :-2]) & (mags[:, 1:-1] >= mags[:, 2:])
        energy = np.where(peaks & band, mags, 0.0).sum(axis=0)
        totals += np.bincount(classes, weights=energy, minlength=12)
    return totals


def estimate_key(x: Samples, rate: float) -> str | None:
    """Best Pearson correlation of the chroma with the 24 rotated Krumhansl–Kessler profiles."""
    profile = chroma(x, rate)
    if abs_max(x) < SILENCE_FLOOR or not profile.any():
        return None
    best_score, best_key = -2.0, None
    for mode, template in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        for tonic in range(12):
            score = float(np.corrcoef(profile, np.roll(template, tonic))[0, 1])
            if score > best_score:
                best_score, best_key = score, f"{PITCH_CLASSES[tonic]} {mode}"
    return best_key
