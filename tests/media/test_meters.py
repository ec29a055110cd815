"""The streaming meters: block boundaries never change a result."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat.media.meters import LoudnessMeter, WaveformPeaks, waveform_peaks

RATE = 44100


class TestWaveformPeaks:
    def test_min_and_max_per_bucket(self) -> None:
        samples = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 0.25], dtype=np.float32)
        assert waveform_peaks(samples, 3) == ((0.0, 0.5), (-0.5, 1.0), (-1.0, 0.25))

    def test_extremes_over_all_channels(self) -> None:
        samples = np.array([[0.1, -0.2], [0.3, 0.0]], dtype=np.float32)
        [(low, high)] = waveform_peaks(samples, 1)
        assert low == pytest.approx(-0.2)
        assert high == pytest.approx(0.3)

    def test_more_points_than_samples(self) -> None:
        samples = np.array([0.5, -0.5], dtype=np.float32)
        assert waveform_peaks(samples, 10) == ((0.5, 0.5), (-0.5, -0.5))

    def test_empty(self) -> None:
        assert waveform_peaks(np.zeros(0, dtype=np.float32), 10) == ()

    @settings(max_examples=50, deadline=None)
    @given(
        st.integers(min_value=1, max_value=2000),
        st.integers(min_value=1, max_value=300),
        st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=8),
    )
    def test_streaming_equals_one_shot(self, frames: int, points: int, cuts: list[int]) -> None:
        samples = np.random.default_rng(frames).uniform(-1, 1, (frames, 2)).astype(np.float32)
        meter = WaveformPeaks(frames, points)
        edges = sorted({0, frames, *(c % frames for c in cuts)})
        for start, stop in itertools.pairwise(edges):
            meter.feed(samples[start:stop])
        assert meter.result() == waveform_peaks(samples, points)


class TestLoudnessMeter:
    def test_block_boundaries_do_not_matter(self) -> None:
        noise = np.random.default_rng(3).standard_normal((RATE * 3, 2)).astype(np.float32) * 0.1
        whole, pieces = LoudnessMeter(RATE, 2), LoudnessMeter(RATE, 2)
        whole.feed(noise)
        for start in range(0, len(noise), 12_345):
            pieces.feed(noise[start : start + 12_345])
        assert pieces.result() == pytest.approx(whole.result(), abs=1e-9)

    def test_too_short_to_gate(self) -> None:
        meter = LoudnessMeter(RATE, 1)
        meter.feed(np.ones((RATE // 5, 1), dtype=np.float32))
        assert meter.result() is None
