"""backbeat-audio-v1: a 64-number description of how a recording sounds, from the audio alone.

The file is mixed to mono and downsampled to about 11 kHz (media's MonoDownsampler), at most the
first EMBED_MAX_SECONDS; a 1024-point STFT (hop 512) gives the frames. The vector is six blocks,
each scaled to unit length (the all-positive ones centred on their mean first) and weighted, then
the whole L2-normalised:

| dims  | block                                                        | weight |
| 0-12  | MFCC 1-13 means (40 mel bands 30 Hz-5 kHz, log, DCT-II; no c0) | 1.0 |
| 13-25 | MFCC 1-13 standard deviations over frames                    | 0.6 |
| 26-37 | chroma: energy per pitch class C..B (media's spectral-peak chroma) | 1.0 |
| 38-44 | spectral contrast means, 7 octave bands from 0 Hz (log10 of the top   | 0.7 |
|       | 2 % over the bottom 2 %)                                              |     |
| 45-51 | spectral contrast standard deviations                        | 0.4 |
| 52-57 | rhythm: tempo/200, log onset strength, onset CV, onsets/s/10, pulse    | 1.0 |
|       | clarity, share of strong onsets (minus RHYTHM_CENTRE)                 |     |
| 58-63 | shape: centroid mean and std, 85 % roll-off, flatness, zero-crossing   | 1.0 |
|       | rate, RMS CV (each 0-1, minus SHAPE_CENTRE)                           |     |

Deterministic, numpy/scipy only, nothing downloaded; the same audio always gives the same vector.
Gain changes move it little (c0 is left out, the spectral blocks are scale-free; only the onset
strength in the rhythm block sees level).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import soundfile as sf  # type: ignore[import-untyped]
from numpy.typing import NDArray
from scipy.fft import dct  # type: ignore[import-untyped]

from backbeat.media.analysis import chroma, estimate_bpm, onset_envelope
from backbeat.media.meters import BLOCK_FRAMES, MonoDownsampler, Samples
from backbeat.media.sniff import MediaRejected

DIMENSION = 64
VERSION = "1"
EMBED_MAX_SECONDS = 180.0
N_FFT, HOP, MEL_BANDS, MFCCS = 1024, 512, 40, 13
CONTRAST_EDGES = (0.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 5512.5)
BLOCK_WEIGHTS = (1.0, 0.6, 1.0, 0.7, 0.4, 1.0, 1.0)
RHYTHM_CENTRE = np.array([0.55, 0.15, 0.5, 0.3, 0.3, 0.1])
SHAPE_CENTRE = np.array([0.1, 0.1, 0.2, 0.05, 0.05, 0.3])
"""Typical values the rhythm and shape blocks are measured from, so they compare differences."""

Vector = NDArray[np.float64]


def audio_embedding(path: str | Path) -> Vector:
    """Decode a file and describe it (raises MediaRejected when it does not decode)."""
    try:
        with sf.SoundFile(str(path)) as audio:
            downsampler = MonoDownsampler(int(audio.samplerate))
            limit = int(EMBED_MAX_SECONDS * audio.samplerate)
            read = 0
            while read < limit:
                block = audio.read(BLOCK_FRAMES, dtype="float32", always_2d=True)
                if len(block) == 0:
                    break
                downsampler.feed(block)
                read += len(block)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise MediaRejected("undecodable", f"the audio does not decode: {exc}") from exc
    return embed_signal(downsampler.result(), downsampler.rate)


def embed_signal(mono: Samples, rate: float) -> Vector:
    """The 64-d unit vector of a mono signal (silence and very short clips give a fixed one)."""
    x = np.asarray(mono, dtype=np.float32)
    if len(x) < N_FFT * 4 or float(np.max(np.abs(x))) < 1e-5:
        silent = np.zeros(DIMENSION)
        silent[-1] = 1.0
        return silent
    power = _power_spectrogram(x)
    freqs = np.asarray(np.fft.rfftfreq(N_FFT, 1 / rate), dtype=np.float64)
    cepstra = _mfcc(power, freqs)
    contrast = _contrast(power, freqs)
    blocks = [
        cepstra.mean(axis=0),
        _centred(cepstra.std(axis=0)),
        _centred(chroma(x, rate)),
        _centred(contrast.mean(axis=0)),
        _centred(contrast.std(axis=0)),
    ]
    scaled = [weight * _unit(block) for weight, block in zip(BLOCK_WEIGHTS, blocks, strict=False)]
    scaled.append(BLOCK_WEIGHTS[5] * (_rhythm(x, rate) - RHYTHM_CENTRE))
    scaled.append(BLOCK_WEIGHTS[6] * (_shape(x, power, freqs) - SHAPE_CENTRE))
    return _unit(np.concatenate(scaled))


def _centred(values: Vector) -> Vector:
    """A profile's shape: all-positive statistics minus their mean, so unrelated sounds are not
    near each other merely because every value is positive."""
    return values - float(np.mean(values))


def _unit(values: Vector) -> Vector:
    norm = float(np.linalg.norm(values))
    return values / norm if norm > 1e-12 else np.zeros_like(values)


def _power_spectrogram(x: Samples) -> Vector:
    """Hann-windowed power spectra, frames by bins."""
    frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::HOP]
    window = np.hanning(N_FFT).astype(np.float32)
    spectra = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return np.asarray(spectra, dtype=np.float64)


def _mel(hz: Vector | float) -> Vector:
    return np.asarray(2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0), dtype=np.float64)


def _mel_filters(freqs: Vector) -> Vector:
    """Triangular filters evenly spaced on the mel scale between 30 Hz and 5 kHz."""
    top = min(5000.0, float(freqs[-1]))
    points = np.linspace(_mel(30.0), _mel(top), MEL_BANDS + 2)
    edges = 700.0 * (10 ** (points / 2595.0) - 1.0)
    filters = np.zeros((MEL_BANDS, len(freqs)))
    for band in range(MEL_BANDS):
        low, mid, high = edges[band], edges[band + 1], edges[band + 2]
        rising = (freqs - low) / (mid - low)
        falling = (high - freqs) / (high - mid)
        filters[band] = np.maximum(0.0, np.minimum(rising, falling))
    return filters


def _mfcc(power: Vector, freqs: Vector) -> Vector:
    """MFCC 1-13 per frame (c0 dropped)."""
    mel_energy = power @ _mel_filters(freqs).T
    logs = np.log(mel_energy + 1e-10)
    coefficients = dct(logs, type=2, axis=1, norm="ortho")
    return np.asarray(coefficients[:, 1 : MFCCS + 1], dtype=np.float64)


def _contrast(power: Vector, freqs: Vector) -> Vector:
    """Per frame and octave band: log of the top 2 % energy over the bottom 2 %."""
    bands = []
    for low, high in itertools.pairwise(CONTRAST_EDGES):
        inside = power[:, (freqs >= low) & (freqs < high)]
        if inside.shape[1] == 0:
            bands.append(np.zeros(len(power)))
            continue
        peak = np.quantile(inside, 0.98, axis=1)
        valley = np.quantile(inside, 0.02, axis=1)
        bands.append(np.log10(peak + 1e-10) - np.log10(valley + 1e-10))
    return np.stack(bands, axis=1)


def _rhythm(x: Samples, rate: float) -> Vector:
    """Tempo and onset statistics, each roughly within 0-1."""
    hop = 128
    envelope = onset_envelope(x, rate, hop)
    mean = float(envelope.mean()) if len(envelope) else 0.0
    if mean <= 0:
        return np.zeros(6)
    std = float(envelope.std())
    strong = envelope > mean + std
    starts = np.count_nonzero(strong[1:] & ~strong[:-1])
    seconds = len(x) / rate
    centred = envelope - mean
    acf = np.correlate(centred[:4096], centred[:4096], mode="full")[len(centred[:4096]) - 1 :]
    lags = slice(int(60 * rate / hop / 200), int(60 * rate / hop / 60) + 1)
    clarity = float(np.max(acf[lags]) / acf[0]) if acf[0] > 0 and len(acf[lags]) else 0.0
    bpm = estimate_bpm(x, rate) or 0.0
    return np.array(
        [
            bpm / 200.0,
            np.log1p(mean) / 10.0,
            min(std / mean, 4.0) / 4.0,
            min(starts / seconds / 10.0, 1.0),
            max(clarity, 0.0),
            float(strong.mean()),
        ]
    )


def _shape(x: Samples, power: Vector, freqs: Vector) -> Vector:
    """Spectral centroid (mean, std), roll-off, flatness, zero-crossing rate, RMS variation."""
    nyquist = float(freqs[-1])
    totals = power.sum(axis=1) + 1e-12
    centroid = (power @ freqs) / totals / nyquist
    cumulative = np.cumsum(power, axis=1)
    rolloff = freqs[np.argmax(cumulative >= 0.85 * cumulative[:, -1:], axis=1)] / nyquist
    flatness = np.exp(np.log(power + 1e-12).mean(axis=1)) / (power.mean(axis=1) + 1e-12)
    crossings = float(np.mean(np.abs(np.diff(np.signbit(x).astype(np.int8)))))
    rms = np.sqrt(power.mean(axis=1))
    return np.array(
        [
            float(centroid.mean()),
            float(centroid.std()) * 4.0,
            float(rolloff.mean()),
            float(flatness.mean()),
            crossings,
            min(float(rms.std() / (rms.mean() + 1e-12)), 2.0) / 2.0,
        ]
    )
