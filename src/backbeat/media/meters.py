"""Streaming meters for audio analysis: each is fed decoded blocks and keeps constant memory.

Loudness (BS.1770 integrated LUFS), true peak, waveform peaks, and a mono copy downsampled to
about 11 kHz (capped at TONAL_MAX_SECONDS) for the tempo and key estimates.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pyloudnorm  # type: ignore[import-untyped]
from numpy.typing import NDArray
from scipy import signal  # type: ignore[import-untyped]

Samples = NDArray[np.float32]
Floats = NDArray[np.float64]

BLOCK_FRAMES = 1 << 17
TONAL_RATE = 11_025
TONAL_MAX_SECONDS = 600.0
# Noise at about -240 dBFS added before IIR filtering: after a sound stops, filter states decay
# into subnormal floats, which x86 computes ~100x slower; this keeps them normal and measures
# as nothing (far below the -70 LUFS gate).
_GUARD_NOISE = 1e-12 * np.random.default_rng(0).standard_normal(BLOCK_FRAMES)


class Meter(Protocol):
    """A streaming measurement fed one decoded block at a time."""

    def feed(self, block: Samples) -> None: ...


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
        self._peak = max(self._peak, abs_max(block))
        joined = np.concatenate([self._history, block])
        self._history = joined[-self._CONTEXT :].copy()
        if self.factor == 1:
            return
        upsampled = signal.resample_poly(joined, self.factor, 1, axis=0)
        margin = self.factor * self._CONTEXT // 2
        self._peak = max(self._peak, abs_max(upsampled[margin:-margin]))

    def result(self) -> float | None:
        """Flush the last frames against trailing silence; None for digital silence."""
        self.feed(np.zeros((self._CONTEXT, self._history.shape[1]), dtype=np.float32))
        return 20 * float(np.log10(self._peak)) if self._peak > 0 else None


def abs_max(values: Samples) -> float:
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
