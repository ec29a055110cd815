"""Audio analysis for the background job: loudness, true peak, tempo, key and waveform peaks.

The file is decoded once, in blocks, and each block is fed to streaming meters, so loudness,
true peak and peaks work on files of any length in constant memory. Tempo and key are estimated
from a mono copy downsampled to about 11 kHz, kept for at most the first TONAL_MAX_SECONDS
(about 26 MB), which bounds memory on long files (a DJ mix has no single tempo or key anyway).

Key notation: the tonic spelled with sharps only (C, C#, D, D#, E, F, F#, G, G#, A, A#, B) and
"major" or "minor", e.g. "A major", "F# minor"; enharmonic spelling (Db vs C#) is not inferred.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np
import pyloudnorm  # type: ignore[import-untyped]
import soundfile as sf  # type: ignore[import-untyped]
from numpy.typing import NDArray
from scipy import signal  # type: ignore[import-untyped]

from backbeat.media.probe import BIT_DEPTHS, DECODER_FORMATS
from backbeat.media.sniff import MediaRejected

Samples = NDArray[np.float32]
Floats = NDArray[np.float64]
T = TypeVar("T")

BLOCK_FRAMES = 1 << 17
TONAL_RATE = 11_025
TONAL_MAX_SECONDS = 600.0
MIN_BPM, MAX_BPM = 60.0, 200.0
SILENCE_FLOOR = 10 ** (-100 / 20)  # below a 16-bit LSB: nothing to find a tempo or key in
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Noise at about -240 dBFS added before IIR filtering: after a sound stops, filter states decay
# into subnormal floats, which x86 computes ~100x slower; this keeps them normal and measures
# as nothing (far below the -70 LUFS gate).
_GUARD_NOISE = 1e-12 * np.random.default_rng(0).standard_normal(BLOCK_FRAMES)
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
            meters: list[tuple[str, _Meter]] = [("loudness", loudness), ("true_peak", peak)]
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
        frames / rate, rate, bit_depth, channels, fmt, lufs, true_peak, bpm, key,
        peaks.result(), tuple(clock.seconds.items()),
    )  # fmt: skip


class _Meter(Protocol):
    """A streaming measurement fed one decoded block at a time."""

    def feed(self, block: Samples) -> None: ...


def _decode_into(audio: sf.SoundFile, clock: StepClock, meters: list[tuple[str, _Meter]]) -> int:
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


def k_weighting(rate: int) -> Floats:
    """The BS.1770 pre-filter (shelf, then high-pass) as second-order sections for this rate."""
    # The "DeMan" designs reproduce the BS.1770 coefficient tables at 48 kHz exactly.
    shelf = pyloudnorm.IIRfilter(
        3.99984385397, 0.7071752369554193, 1681.9744509555319, rate, "high_shelf_DeMan"
    )
    high_pass = pyloudnorm.IIRfilter(
        0.0, 0.5003270373253953, 38.13547087613982, rate, "high_pass_DeMan"
    )
    stages = [np.concatenate([f.b, f.a]) for f in (shelf, high_pass)]
    return np.asarray(stages, dtype=np.float64)


def _guard_noise(length: int) -> Floats:
    """`length` samples of the subnormal guard noise."""
    return _GUARD_NOISE[:length] if length <= BLOCK_FRAMES else np.resize(_GUARD_NOISE, length)


def channel_weights(channels: int) -> Floats:
    """BS.1770 channel gains: 1.0 at the front, 1.41 for surrounds, LFE (5.1 index 3) left out."""
    surround = {5: [1.0, 1.0, 1.0, 1.41, 1.41], 6: [1.0, 1.0, 1.0, 0.0, 1.41, 1.41]}
    return np.array(surround.get(channels, [1.0] * channels))


class LoudnessMeter:
    """Integrated loudness in LUFS: K-weighting, 400 ms blocks every 100 ms, two gates."""

    def __init__(self, rate: int, channels: int) -> None:
        self._sos = k_weighting(rate)
        self._zi = np.zeros((self._sos.shape[0], 2, channels))
        self._hop = max(1, round(rate / 10))
        self._rest = np.zeros((0, channels))
        self._sub_blocks: list[Floats] = []
        self._weights = channel_weights(channels)

    def feed(self, block: Samples) -> None:
        """K-weight the block and sum its squares into 100 ms sub-blocks."""
        guarded = block + _guard_noise(len(block))[:, None]
        weighted, self._zi = signal.sosfilt(self._sos, guarded, axis=0, zi=self._zi)
        squares = np.concatenate([self._rest, weighted * weighted])
        whole = len(squares) // self._hop * self._hop
        shaped = squares[:whole].reshape(-1, self._hop, squares.shape[1])
        self._sub_blocks.append(shaped.sum(axis=1))
        self._rest = squares[whole:]

    def result(self) -> float | None:
        """Gated integrated loudness, or None when nothing passes the -70 LUFS gate."""
        subs = np.concatenate(self._sub_blocks) if self._sub_blocks else np.zeros((0, 1))
        if len(subs) < 4:
            return None
        windows = np.lib.stride_tricks.sliding_window_view(subs, 4, axis=0).sum(axis=2)
        energies = windows / (4 * self._hop)
        block_loudness = -0.691 + 10 * np.log10(np.maximum(energies @ self._weights, 1e-20))
        gated = energies[block_loudness >= -70.0]
        if len(gated) == 0:
            return None
        relative = -0.691 + 10 * np.log10(gated.mean(axis=0) @ self._weights) - 10.0
        kept = energies[(block_loudness > relative) & (block_loudness >= -70.0)]
        return float(-0.691 + 10 * np.log10(kept.mean(axis=0) @ self._weights))


class TruePeakMeter:
    """Maximum of the signal oversampled to at least 176.4 kHz, in dBTP."""

    _CONTEXT = 32  # input frames carried between blocks; > the interpolation filter's half span

    def __init__(self, rate: int, channels: int) -> None:
        self.factor = 4 if rate < 96_000 else 2 if rate < 176_400 else 1
        self._history = np.zeros((self._CONTEXT, channels), dtype=np.float32)
        self._peak = 0.0

    def feed(self, block: Samples) -> None:
        """Oversample history + block; keep only outputs far enough from both edges."""
        self._peak = max(self._peak, _abs_max(block))
        joined = np.concatenate([self._history, block])
        self._history = joined[-self._CONTEXT :].copy()
        if self.factor == 1:
            return
        upsampled = signal.resample_poly(joined, self.factor, 1, axis=0)
        margin = self.factor * self._CONTEXT // 2
        self._peak = max(self._peak, _abs_max(upsampled[margin:-margin]))

    def result(self) -> float | None:
        """Flush the last frames against trailing silence; None for digital silence."""
        self.feed(np.zeros((self._CONTEXT, self._history.shape[1]), dtype=np.float32))
        return 20 * float(np.log10(self._peak)) if self._peak > 0 else None


def _abs_max(values: Samples) -> float:
    """max |x| without allocating |x|."""
    if values.size == 0:
        return 0.0
    return max(float(values.max()), -float(values.min()))


class WaveformPeaks:
    """Min and max (over all channels) per bucket, buckets spread evenly over total_frames."""

    def __init__(self, total_frames: int, points: int) -> None:
        self.points = max(1, min(points, total_frames))
        self._starts = -(-np.arange(self.points) * max(total_frames, 1) // self.points)
        self._mins = np.full(self.points, np.inf)
        self._maxs = np.full(self.points, -np.inf)
        self._offset = 0

    def feed(self, block: Samples) -> None:
        """Reduce the block per bucket segment and merge into the running min/max."""
        first = int(np.searchsorted(self._starts, self._offset, side="right")) - 1
        last = int(np.searchsorted(self._starts, self._offset + len(block), side="left"))
        cuts = np.maximum(self._starts[first:last] - self._offset, 0)
        buckets = np.arange(first, last)
        low = np.minimum.reduceat(block, cuts, axis=0).min(axis=1)
        high = np.maximum.reduceat(block, cuts, axis=0).max(axis=1)
        self._mins[buckets] = np.minimum(self._mins[buckets], low)
        self._maxs[buckets] = np.maximum(self._maxs[buckets], high)
        self._offset += len(block)

    def result(self) -> tuple[tuple[float, float], ...]:
        """(min, max) per bucket; buckets a short decode never reached read as silence."""
        mins = np.where(np.isfinite(self._mins), self._mins, 0.0)
        maxs = np.where(np.isfinite(self._maxs), self._maxs, 0.0)
        return tuple((float(a), float(b)) for a, b in zip(mins, maxs, strict=True))


def waveform_peaks(samples: NDArray[np.floating], points: int) -> tuple[tuple[float, float], ...]:
    """Min/max per bucket for a player, at any resolution, from (frames,) or (frames, ch)."""
    block = np.asarray(samples, dtype=np.float32)
    if len(block) == 0:
        return ()
    block = block.reshape(len(block), -1)
    meter = WaveformPeaks(len(block), points)
    meter.feed(block)
    return meter.result()


class MonoDownsampler:
    """Mono mix low-passed and decimated to about TONAL_RATE, capped at TONAL_MAX_SECONDS."""

    def __init__(self, rate: int) -> None:
        self.factor = max(1, rate // TONAL_RATE)
        self.rate = rate / self.factor
        self._sos = signal.butter(8, 0.8 / self.factor, output="sos") if self.factor > 1 else None
        self._zi = np.zeros((4, 2)) if self._sos is not None else None
        self._phase = 0
        self._kept = 0
        self._limit = int(TONAL_MAX_SECONDS * self.rate)
        self._parts: list[Samples] = []

    def feed(self, block: Samples) -> None:
        """Mix to mono, filter against aliasing, keep every factor-th sample."""
        if self._kept >= self._limit:
            return
        mono = block.mean(axis=1)
        if self._sos is not None:
            mono, self._zi = signal.sosfilt(self._sos, mono + _guard_noise(len(mono)), zi=self._zi)
        picked = mono[self._phase :: self.factor].astype(np.float32)
        self._phase = (self._phase - len(mono)) % self.factor
        self._parts.append(picked[: self._limit - self._kept])
        self._kept += len(self._parts[-1])

    def result(self) -> Samples:
        """The downsampled mono signal collected so far."""
        return np.concatenate(self._parts) if self._parts else np.zeros(0, np.float32)


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
    if _abs_max(x) < SILENCE_FLOOR:
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
    if _abs_max(x) < SILENCE_FLOOR or not profile.any():
        return None
    best_score, best_key = -2.0, None
    for mode, template in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        for tonic in range(12):
            score = float(np.corrcoef(profile, np.roll(template, tonic))[0, 1])
            if score > best_score:
                best_score, best_key = score, f"{PITCH_CLASSES[tonic]} {mode}"
    return best_key
