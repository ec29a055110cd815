from pathlib import Path

import numpy as np
import pyloudnorm  # type: ignore[import-untyped]
import pytest
import soundfile as sf  # type: ignore[import-untyped]
from numpy.typing import NDArray

from backbeat.media.analysis import analyse_audio
from backbeat.media.sniff import MediaRejected

RATE = 44100
Signal = NDArray[np.float32]


def seconds(duration: float) -> NDArray[np.float64]:
    return np.arange(int(duration * RATE)) / RATE


def click_track(bpm: float, duration: float) -> Signal:
    """Short decaying 1 kHz clicks on every beat."""
    track = np.zeros(int(duration * RATE), dtype=np.float32)
    n = np.arange(int(0.01 * RATE))
    click = 0.8 * np.sin(2 * np.pi * 1000 * n / RATE) * np.exp(-n / (0.002 * RATE))
    for start in np.arange(0, duration - 0.02, 60 / bpm):
        index = int(start * RATE)
        track[index : index + len(click)] += click.astype(np.float32)
    return track


def chord(semitones_from_a4: list[int], duration: float) -> Signal:
    """Equal-tempered notes (A4 = 440 Hz) with a second harmonic and a soft attack."""
    t = seconds(duration)
    notes = [440 * 2 ** (s / 12) for s in semitones_from_a4]
    tone = sum(np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t) for f in notes)
    return (0.5 / len(notes) * tone * np.minimum(1, 20 * t)).astype(np.float32)


def faded(signal: Signal) -> Signal:
    """50 ms raised-cosine fades, so edges add no overshoot of their own."""
    ramp = np.sin(np.linspace(0, np.pi / 2, int(0.05 * RATE))) ** 2
    out = signal.copy()
    out[: len(ramp)] *= ramp.astype(np.float32)
    out[-len(ramp) :] *= ramp[::-1].astype(np.float32)
    return out


def write(tmp_path: Path, signal: Signal, name: str = "a.wav", **options: str) -> Path:
    path = tmp_path / name
    sf.write(path, signal, RATE, **options)
    return path


def stereo(signal: Signal) -> Signal:
    return np.stack([signal, signal], axis=1)


class TestAnalyseAudio:
    def test_reports_the_file_facts_and_step_timings(self, tmp_path: Path) -> None:
        path = write(tmp_path, stereo(click_track(120, 6)), subtype="PCM_16")
        result = analyse_audio(path, waveform_points=300)
        assert (result.format, result.sample_rate, result.channels) == ("wav", RATE, 2)
        assert result.bit_depth == 16
        assert result.duration_seconds == pytest.approx(6.0, abs=1e-3)
        assert len(result.waveform) == 300
        names = {name for name, _ in result.steps}
        assert names == {
            "decode",
            "loudness",
            "true_peak",
            "waveform",
            "downsample",
            "tempo",
            "key",
        }
        assert all(cost >= 0 for _, cost in result.steps)

    @pytest.mark.parametrize("bpm", [90, 120, 140])
    def test_click_track_tempo(self, tmp_path: Path, bpm: int) -> None:
        path = write(tmp_path, stereo(click_track(bpm, 20)))
        assert analyse_audio(path).bpm == pytest.approx(bpm, abs=2)

    def test_a_major_progression(self, tmp_path: Path) -> None:
        progression = [[0, 4, 7], [5, 9, 12], [7, 11, 14], [0, 4, 7]]  # A, D, E, A
        song = np.concatenate([chord(c, 1.0) for c in progression * 3])
        assert analyse_audio(write(tmp_path, stereo(song))).key == "A major"

    def test_a_minor_progression(self, tmp_path: Path) -> None:
        progression = [[0, 3, 7], [5, 8, 12], [7, 11, 14], [0, 3, 7]]  # Am, Dm, E, Am
        song = np.concatenate([chord(c, 1.0) for c in progression * 3])
        assert analyse_audio(write(tmp_path, stereo(song))).key == "A minor"

    def test_mono_997_hz_sine_at_minus_20_dbfs(self, tmp_path: Path) -> None:
        """Mean square A²/2 gives -23.01 dB; K-weighting's +0.69 dB at 1 kHz cancels -0.691."""
        sine = (0.1 * np.sin(2 * np.pi * 997 * seconds(5))).astype(np.float32)
        result = analyse_audio(write(tmp_path, sine, subtype="FLOAT"))
        assert result.loudness_lufs == pytest.approx(-23.01, abs=0.05)
        assert result.true_peak_dbtp == pytest.approx(-20.0, abs=0.05)

    def test_stereo_sine_reads_its_level(self, tmp_path: Path) -> None:
        """EBU Tech 3341 case 1: a 1 kHz sine at -23 dBFS in both channels reads -23.0 LUFS."""
        sine = (10 ** (-23 / 20) * np.sin(2 * np.pi * 1000 * seconds(20))).astype(np.float32)
        result = analyse_audio(write(tmp_path, stereo(sine), subtype="FLOAT"))
        assert result.loudness_lufs == pytest.approx(-23.0, abs=0.1)

    def test_loudness_agrees_with_pyloudnorm(self, tmp_path: Path) -> None:
        noise = np.random.default_rng(7).standard_normal((RATE * 6, 2)).astype(np.float32)
        bursty = noise * np.repeat([0.3, 0.01, 0.1], RATE * 2)[:, None].astype(np.float32)
        result = analyse_audio(write(tmp_path, bursty, subtype="FLOAT"))
        expected = pyloudnorm.Meter(RATE, filter_class="DeMan").integrated_loudness(bursty)
        assert result.loudness_lufs == pytest.approx(expected, abs=0.01)

    def test_true_peak_finds_the_intersample_peak(self, tmp_path: Path) -> None:
        """A sine at fs/4 sampled 45° off its crests: samples read 3 dB under the real peak."""
        n = np.arange(RATE * 2)
        sine = faded((0.5 * np.sin(np.pi / 2 * n + np.pi / 4)).astype(np.float32))
        result = analyse_audio(write(tmp_path, sine, subtype="FLOAT"))
        sample_peak = 20 * np.log10(np.abs(sine).max())
        assert result.true_peak_dbtp is not None
        assert result.true_peak_dbtp - sample_peak == pytest.approx(3.01, abs=0.15)

    def test_silence_has_no_loudness_peak_tempo_or_key(self, tmp_path: Path) -> None:
        result = analyse_audio(write(tmp_path, np.zeros((RATE * 3, 2), np.float32)))
        assert (result.loudness_lufs, result.true_peak_dbtp) == (None, None)
        assert (result.bpm, result.key) == (None, None)
        assert set(result.waveform) == {(0.0, 0.0)}

    def test_mp3(self, tmp_path: Path) -> None:
        path = write(tmp_path, stereo(click_track(120, 12)), "a.mp3", format="MP3")
        result = analyse_audio(path)
        assert (result.format, result.bit_depth) == ("mp3", None)
        assert result.bpm == pytest.approx(120, abs=2)

    def test_undecodable_input_is_a_media_rejection(self, tmp_path: Path) -> None:
        path = tmp_path / "not-audio.wav"
        path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
        with pytest.raises(MediaRejected) as caught:
            analyse_audio(path)
        assert caught.value.code == "undecodable"
