import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf  # type: ignore[import-untyped]
from PIL import Image, ImageDraw

from backbeat.media.probe import probe_audio, probe_image, validate_upload
from backbeat.media.sniff import MediaRejected
from tests.media.factories import bomb_png

RATE = 44100
ANY = ["audio/*", "image/*"]


def tone_file(
    tmp_path: Path, name: str, fmt: str, *, subtype: str | None = None, rate: int = RATE
) -> Path:
    """One second of a stereo 440 Hz tone, really encoded."""
    t = np.arange(rate) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    path = tmp_path / name
    sf.write(path, np.stack([tone, tone], axis=1), rate, format=fmt, subtype=subtype)
    return path


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def code_of(path: Path, claimed: str, allowed: list[str] = ANY, **limits: int) -> str:
    with pytest.raises(MediaRejected) as caught:
        validate_upload(path, claimed, allowed, **limits)
    return caught.value.code


class TestProbeAudio:
    @pytest.mark.parametrize(
        ("fmt", "subtype", "name", "expected", "bit_depth"),
        [
            ("WAV", "PCM_16", "a.wav", "wav", 16),
            ("WAV", "PCM_24", "a.wav", "wav", 24),
            ("WAV", "FLOAT", "a.wav", "wav", 32),
            ("AIFF", "PCM_16", "a.aiff", "aiff", 16),
            ("FLAC", "PCM_24", "a.flac", "flac", 24),
            ("OGG", "VORBIS", "a.ogg", "ogg", None),
            ("MP3", "MPEG_LAYER_III", "a.mp3", "mp3", None),
        ],
    )
    def test_decodes_each_format(
        self,
        tmp_path: Path,
        fmt: str,
        subtype: str,
        name: str,
        expected: str,
        bit_depth: int | None,
    ) -> None:
        info = probe_audio(tone_file(tmp_path, name, fmt, subtype=subtype))
        assert (info.format, info.sample_rate, info.channels) == (expected, RATE, 2)
        assert info.bit_depth == bit_depth
        assert info.duration_seconds == pytest.approx(1.0, abs=0.06)
        assert info.frames == pytest.approx(RATE, abs=0.06 * RATE)

    def test_truncated_mp3_decodes_short_of_its_header(self, tmp_path: Path) -> None:
        data = tone_file(tmp_path, "a.mp3", "MP3").read_bytes()
        truncated = write(tmp_path, "cut.mp3", data[: len(data) // 2])
        with pytest.raises(MediaRejected, match="truncated") as caught:
            probe_audio(truncated)
        assert caught.value.code == "undecodable"

    def test_truncated_flac(self, tmp_path: Path) -> None:
        data = tone_file(tmp_path, "a.flac", "FLAC").read_bytes()
        with pytest.raises(MediaRejected) as caught:
            probe_audio(write(tmp_path, "cut.flac", data[: len(data) * 2 // 3]))
        assert caught.value.code == "undecodable"

    def test_empty_file(self, tmp_path: Path) -> None:
        with pytest.raises(MediaRejected) as caught:
            probe_audio(write(tmp_path, "empty.wav", b""))
        assert caught.value.code == "undecodable"

    def test_implausible_sample_rate(self, tmp_path: Path) -> None:
        with pytest.raises(MediaRejected, match="sample rate"):
            probe_audio(tone_file(tmp_path, "low.wav", "WAV", rate=4000))

    def test_decoder_must_agree_with_the_sniffed_format(self, tmp_path: Path) -> None:
        with pytest.raises(MediaRejected, match="decoder reads"):
            probe_audio(tone_file(tmp_path, "a.wav", "WAV"), expected_format="flac")


class TestProbeImage:
    def test_decodes_an_animated_gif(self, tmp_path: Path) -> None:
        frames = [Image.new("RGB", (40, 30), (i * 60, 0, 0)) for i in range(4)]
        path = tmp_path / "a.gif"
        frames[0].save(path, save_all=True, append_images=frames[1:], duration=80)
        assert probe_image(path, 10_000).frames == 4
        with pytest.raises(MediaRejected, match="frames"):
            probe_image(path, 10_000, max_frames=3)

    def test_huge_declared_size_is_refused_before_decoding(self, tmp_path: Path) -> None:
        path = write(tmp_path, "bomb.png", bomb_png(30_000, 30_000, rows=1))
        with pytest.raises(MediaRejected) as caught:
            probe_image(path, 50_000_000)
        assert caught.value.code == "too_many_pixels"

    def test_our_limit_applies_below_pillows(self, tmp_path: Path) -> None:
        path = write(tmp_path, "big.png", bomb_png(2_000, 2_000, rows=2_000))
        with pytest.raises(MediaRejected) as caught:
            probe_image(path, 1_000_000)
        assert caught.value.code == "too_many_pixels"
        assert probe_image(path, 4_000_000).width == 2_000

    def test_truncated_image_does_not_decode(self, tmp_path: Path) -> None:
        image = Image.effect_noise((200, 200), 60).convert("RGB")
        ImageDraw.Draw(image).ellipse((20, 20, 180, 180), fill=(0, 90, 200))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        data = buffer.getvalue()
        with pytest.raises(MediaRejected) as caught:
            probe_image(write(tmp_path, "cut.png", data[: len(data) // 2]), 1_000_000)
        assert caught.value.code == "undecodable"


class TestValidateUpload:
    """The bad inputs the issue names, through the whole gate."""

    def test_png_renamed_wav(self, tmp_path: Path) -> None:
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buffer, "PNG")
        path = write(tmp_path, "song.wav", buffer.getvalue())
        assert code_of(path, "audio/wav", ["audio/*"]) == "not_allowed"
        assert code_of(path, "audio/wav") == "type_mismatch"

    def test_wav_with_a_jpeg_header_glued_on(self, tmp_path: Path) -> None:
        wav = tone_file(tmp_path, "a.wav", "WAV", subtype="PCM_16").read_bytes()
        header = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        assert code_of(write(tmp_path, "glued.wav", header + wav), "audio/wav") == "polyglot"

    def test_truncated_mp3(self, tmp_path: Path) -> None:
        data = tone_file(tmp_path, "a.mp3", "MP3").read_bytes()
        path = write(tmp_path, "cut.mp3", data[: len(data) // 2 + 7])
        assert code_of(path, "audio/mpeg") == "undecodable"

    def test_zero_byte_file(self, tmp_path: Path) -> None:
        assert code_of(write(tmp_path, "empty.wav", b""), "audio/wav") == "empty"

    def test_decompression_bomb_png(self, tmp_path: Path) -> None:
        path = write(tmp_path, "bomb.png", bomb_png(30_000, 30_000, rows=1))
        assert code_of(path, "image/png") == "too_many_pixels"

    def test_accepts_a_good_upload(self, tmp_path: Path) -> None:
        path = tone_file(tmp_path, "a.flac", "FLAC")
        validated = validate_upload(path, "audio/x-flac", ["audio/flac"])
        assert validated.detected.mime == "audio/flac"
        assert validated.audio is not None
        assert validated.audio.frames == RATE
        assert validated.image is None
