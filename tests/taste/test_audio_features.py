"""backbeat-audio-v1: a re-encoding and a same-style loop rank above unrelated audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import signal  # type: ignore[import-untyped]

from backbeat.media.sniff import MediaRejected
from backbeat.taste.audio_features import DIMENSION, audio_embedding, embed_signal
from tests.taste import sounds


@pytest.fixture(scope="module")
def vectors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    folder = tmp_path_factory.mktemp("audio")
    original = sounds.beat_loop(bpm=120, bass_root=55.0, seed=1)
    files = {
        "original": sounds.write(folder / "a.wav", original),
        "reencoded": sounds.write(folder / "a.mp3", original, format="MP3"),
        "resampled": sounds.write(
            folder / "a48.flac",
            signal.resample_poly(original, 160, 147) * 0.5,
            format="FLAC",
            rate=48_000,
        ),
        "same_style": sounds.write(
            folder / "b.wav", sounds.beat_loop(bpm=124, bass_root=61.7, seed=7)
        ),
        "pad": sounds.write(folder / "c.wav", sounds.pad(chord=(220.0, 277.2, 329.6), seed=3)),
        "noise": sounds.write(
            folder / "d.wav", np.random.default_rng(5).normal(0, 0.2, sounds.RATE * 12)
        ),
    }
    return {name: audio_embedding(path) for name, path in files.items()}


class TestAudioEmbedding:
    def test_vectors_are_unit_length_and_documented_size(
        self, vectors: dict[str, np.ndarray]
    ) -> None:
        for vector in vectors.values():
            assert vector.shape == (DIMENSION,)
            assert np.isclose(np.linalg.norm(vector), 1.0)

    def test_own_reencodings_then_same_style_rank_above_unrelated(
        self, vectors: dict[str, np.ndarray]
    ) -> None:
        original = vectors["original"]
        score = {name: float(original @ v) for name, v in vectors.items() if name != "original"}
        ranking = sorted(score, key=score.__getitem__, reverse=True)
        assert set(ranking[:2]) == {"reencoded", "resampled"}, score
        assert ranking[2] == "same_style", score
        assert score["same_style"] > max(score["pad"], score["noise"]) + 0.1, score

    def test_the_same_audio_always_gives_the_same_vector(self, tmp_path: Path) -> None:
        loop = sounds.beat_loop(bpm=100, bass_root=49.0, seed=2, seconds=6)
        path = sounds.write(tmp_path / "x.wav", loop)
        assert np.array_equal(audio_embedding(path), audio_embedding(path))

    def test_silence_and_clicks_give_a_fixed_vector(self) -> None:
        silent = embed_signal(np.zeros(11_025 * 3, dtype=np.float32), 11_025.0)
        short = embed_signal(np.ones(100, dtype=np.float32), 11_025.0)
        assert np.array_equal(silent, short) and np.isclose(np.linalg.norm(silent), 1.0)

    def test_undecodable_bytes_are_rejected(self, tmp_path: Path) -> None:
        path = tmp_path / "x.wav"
        path.write_bytes(b"RIFF not really a wave file")
        with pytest.raises(MediaRejected):
            audio_embedding(path)
