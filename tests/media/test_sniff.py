import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf  # type: ignore[import-untyped]
from PIL import Image

from backbeat.media.sniff import (
    KINDS,
    Detected,
    MediaRejected,
    canonical_mime,
    check_claim,
    detect,
    refuse_polyglot,
)

RATE = 44100


def audio_bytes(fmt: str, seconds: float = 0.5, subtype: str | None = None) -> bytes:
    """A real encoded stereo tone in the given libsndfile container."""
    t = np.arange(int(RATE * seconds)) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([tone, tone], axis=1), RATE, format=fmt, subtype=subtype)
    return buffer.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (32, 24)) -> bytes:
    """A real encoded image."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


SAMPLES = {
    "wav": lambda: audio_bytes("WAV", subtype="PCM_16"),
    "aiff": lambda: audio_bytes("AIFF", subtype="PCM_16"),
    "flac": lambda: audio_bytes("FLAC"),
    "ogg": lambda: audio_bytes("OGG"),
    "mp3": lambda: audio_bytes("MP3"),
    "jpeg": lambda: image_bytes("JPEG"),
    "png": lambda: image_bytes("PNG"),
    "gif": lambda: image_bytes("GIF"),
    "webp": lambda: image_bytes("WEBP"),
}


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rejected_code(path: Path) -> str:
    """The code refuse_polyglot gives a file, detecting its type from the bytes first."""
    data = path.read_bytes()
    with pytest.raises(MediaRejected) as caught:
        refuse_polyglot(path, detect(data[:4096], data[-1024:]))
    return caught.value.code


class TestDetect:
    @pytest.mark.parametrize("fmt", sorted(SAMPLES))
    def test_recognises_each_accepted_format(self, fmt: str) -> None:
        data = SAMPLES[fmt]()
        assert detect(data[:4096], data[-1024:]) == KINDS[fmt]

    def test_empty_file(self) -> None:
        with pytest.raises(MediaRejected) as caught:
            detect(b"", b"")
        assert caught.value.code == "empty"

    @pytest.mark.parametrize(
        "head",
        [b"%PDF-1.7\n", b"PK\x03\x04zip", b"\x00\x00\x00\x18ftypmp42", b"RIFF\x00\x00\x00\x00AVI "],
    )
    def test_unknown_types(self, head: bytes) -> None:
        with pytest.raises(MediaRejected) as caught:
            detect(head)
        assert caught.value.code == "unknown_type"

    def test_a_lone_frame_sync_without_a_following_frame_is_not_mp3(self) -> None:
        head = b"\xff\xfb\x90\x64" + bytes(413) + b"garbage!" + bytes(100)
        with pytest.raises(MediaRejected):
            detect(head)

    def test_png_with_a_wav_extension_is_still_png(self) -> None:
        data = SAMPLES["png"]()
        assert detect(data[:4096]).mime == "image/png"

    @pytest.mark.parametrize("fmt", ["png", "jpeg"])
    def test_data_after_the_end_marker_in_the_tail_fails_early(self, fmt: str) -> None:
        data = SAMPLES[fmt]() + b"MZ\x90\x00 an appended payload"
        with pytest.raises(MediaRejected) as caught:
            detect(data[:4096], data[-1024:])
        assert caught.value.code == "polyglot"

    @pytest.mark.parametrize("fmt", ["png", "jpeg", "gif"])
    def test_a_tail_without_an_end_marker_is_left_to_the_full_check(self, fmt: str) -> None:
        data = SAMPLES[fmt]()
        assert detect(data[:4096], data[:-30][-1024:]) == KINDS[fmt]


class TestCheckClaim:
    WAV = KINDS["wav"]

    @pytest.mark.parametrize("claim", ["audio/wav", "audio/x-wav", "Audio/WAVE; codecs=1"])
    def test_aliases_of_the_detected_type_agree(self, claim: str) -> None:
        check_claim(self.WAV, claim, ["audio/wav"])

    def test_family_wildcard_allows(self) -> None:
        check_claim(self.WAV, "audio/wav", ["audio/*"])

    def test_type_not_allowed_by_the_bucket(self) -> None:
        with pytest.raises(MediaRejected) as caught:
            check_claim(KINDS["png"], "image/png", ["audio/*"])
        assert caught.value.code == "not_allowed"

    def test_png_claimed_as_wav_is_a_mismatch(self) -> None:
        with pytest.raises(MediaRejected) as caught:
            check_claim(KINDS["png"], "audio/wav", ["audio/*", "image/*"])
        assert caught.value.code == "type_mismatch"

    @pytest.mark.parametrize(
        ("claim", "canonical"),
        [
            ("image/jpg", "image/jpeg"),
            ("audio/mp3", "audio/mpeg"),
            ("application/ogg", "audio/ogg"),
        ],
    )
    def test_canonical_mime(self, claim: str, canonical: str) -> None:
        assert canonical_mime(claim) == canonical


class TestRefusePolyglot:
    @pytest.mark.parametrize("fmt", sorted(SAMPLES))
    def test_accepts_each_well_formed_format(self, tmp_path: Path, fmt: str) -> None:
        path = write(tmp_path, "file", SAMPLES[fmt]())
        refuse_polyglot(path, KINDS[fmt])

    def test_empty_file(self, tmp_path: Path) -> None:
        with pytest.raises(MediaRejected) as caught:
            refuse_polyglot(write(tmp_path, "empty", b""), KINDS["wav"])
        assert caught.value.code == "empty"

    def test_wav_with_a_jpeg_header_glued_on(self, tmp_path: Path) -> None:
        jfif_header = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        path = write(tmp_path, "song.wav", jfif_header + SAMPLES["wav"]())
        assert rejected_code(path) == "polyglot"

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            ("jpeg", "wav"),
            ("wav", "png"),
            ("mp3", "jpeg"),
            ("flac", "png"),
            ("flac", "wav"),
            ("ogg", "gif"),
        ],
    )
    def test_a_second_format_appended(self, tmp_path: Path, first: str, second: str) -> None:
        path = write(tmp_path, "file", SAMPLES[first]() + SAMPLES[second]())
        assert rejected_code(path) == "polyglot"

    @pytest.mark.parametrize("fmt", ["wav", "aiff", "png", "gif", "webp", "mp3", "ogg"])
    def test_trailing_garbage(self, tmp_path: Path, fmt: str) -> None:
        path = write(tmp_path, "file", SAMPLES[fmt]() + b"\x13\x37" * 50)
        assert rejected_code(path) == "polyglot"

    @pytest.mark.parametrize("fmt", ["wav", "aiff", "png", "gif", "jpeg", "mp3", "ogg", "webp"])
    def test_truncated(self, tmp_path: Path, fmt: str) -> None:
        data = SAMPLES[fmt]()
        path = write(tmp_path, "file", data[: len(data) * 2 // 3 + 1])
        assert rejected_code(path) == "undecodable"

    def test_wav_whose_samples_spell_a_png_header_is_legitimate(self, tmp_path: Path) -> None:
        png = SAMPLES["png"]()
        samples = np.frombuffer(png[: len(png) // 4 * 4], dtype="<i2").reshape(-1, 2)
        buffer = io.BytesIO()
        sf.write(buffer, samples, RATE, format="WAV", subtype="PCM_16")
        assert png[:16] in buffer.getvalue()
        refuse_polyglot(write(tmp_path, "noise.wav", buffer.getvalue()), KINDS["wav"])

    def test_jpeg_zero_padding_after_eoi_is_accepted(self, tmp_path: Path) -> None:
        path = write(tmp_path, "photo.jpg", SAMPLES["jpeg"]() + bytes(16))
        refuse_polyglot(path, KINDS["jpeg"])

    def test_mp3_with_id3v2_and_id3v1_tags_is_accepted(self, tmp_path: Path) -> None:
        frame = b"TIT2" + struct.pack(">I", 6) + b"\x00\x00\x00Song"
        id3v2 = b"ID3\x03\x00\x00" + bytes([0, 0, 0, len(frame)]) + frame
        id3v1 = b"TAG" + bytes(125)
        path = write(tmp_path, "song.mp3", id3v2 + SAMPLES["mp3"]() + id3v1)
        detected = detect(path.read_bytes()[:4096])
        assert detected == KINDS["mp3"]
        refuse_polyglot(path, detected)

    def test_png_with_a_chunk_after_iend(self, tmp_path: Path) -> None:
        extra = struct.pack(">I", 4) + b"tEXt" + b"abcd" + struct.pack(">I", zlib.crc32(b"abcd"))
        path = write(tmp_path, "image.png", SAMPLES["png"]() + extra)
        assert rejected_code(path) == "polyglot"

    def test_detected_dataclass_is_frozen(self) -> None:
        detected = Detected("audio/wav", "audio", "wav")
        with pytest.raises(AttributeError):
            detected.mime = "image/png"  # type: ignore[misc]
