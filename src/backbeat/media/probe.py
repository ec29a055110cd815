"""Decode for real: an upload is accepted only if a decoder reads all of it."""

from __future__ import annotations

import warnings
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf  # type: ignore[import-untyped]
from PIL import Image

from backbeat.media.sniff import (
    HEAD_SIZE,
    TAIL_SIZE,
    Detected,
    MediaRejected,
    check_claim,
    detect,
    refuse_polyglot,
)

MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8_000, 384_000
MAX_CHANNELS = 32
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MAX_FRAMES = 1_000
_BLOCK_FRAMES = 1 << 16

DECODER_FORMATS = {
    "WAV": "wav",
    "WAVEX": "wav",
    "AIFF": "aiff",
    "FLAC": "flac",
    "OGG": "ogg",
    "MP3": "mp3",
}
BIT_DEPTHS = {
    "PCM_S8": 8,
    "PCM_U8": 8,
    "PCM_16": 16,
    "PCM_24": 24,
    "PCM_32": 32,
    "FLOAT": 32,
    "DOUBLE": 64,
}
_LOSSY = {"mp3", "ogg"}
# A lossy decoder may legitimately end up to one codec frame (plus priming) short of its header.
_LOSSY_SHORTFALL_FRAMES = 2 * 1152
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


@dataclass(frozen=True)
class AudioInfo:
    """What a full decode of an audio file established."""

    format: str
    sample_rate: int
    channels: int
    bit_depth: int | None
    duration_seconds: float
    frames: int


@dataclass(frozen=True)
class ImageInfo:
    """What a full decode of an image established."""

    format: str
    width: int
    height: int
    frames: int


@dataclass(frozen=True)
class Validated:
    """An upload that passed the gate: its detected type and its decoded facts."""

    detected: Detected
    audio: AudioInfo | None
    image: ImageInfo | None


def validate_upload(
    path: str | Path,
    claimed_mime: str,
    allowed: Collection[str],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Validated:
    """The whole gate, in order: type from bytes, structure, bucket and claim, then decode."""
    head, tail = read_head_tail(path)
    detected = detect(head, tail)
    refuse_polyglot(path, detected)
    check_claim(detected, claimed_mime, allowed)
    if detected.family == "audio":
        return Validated(detected, probe_audio(path, expected_format=detected.format), None)
    image = probe_image(path, max_pixels, expected_format=detected.format)
    return Validated(detected, None, image)


def read_head_tail(path: str | Path) -> tuple[bytes, bytes]:
    """The first HEAD_SIZE and last TAIL_SIZE bytes, which is all `detect` needs."""
    with open(path, "rb") as file:
        head = file.read(HEAD_SIZE)
        size = file.seek(0, 2)
        file.seek(max(0, size - TAIL_SIZE))
        return head, file.read(TAIL_SIZE)


def probe_audio(path: str | Path, *, expected_format: str | None = None) -> AudioInfo:
    """Open with libsndfile, check the header is sane, and decode every frame."""
    try:
        with sf.SoundFile(str(path)) as audio:
            fmt = _audio_format(audio, expected_format)
            _check_audio_header(audio)
            decoded = _decode_all(audio)
            declared, subtype, rate = audio.frames, audio.subtype, audio.samplerate
            channels = audio.channels
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise MediaRejected("undecodable", f"the audio does not decode: {exc}") from exc
    _check_complete(fmt, declared, decoded)
    return AudioInfo(fmt, rate, channels, BIT_DEPTHS.get(subtype), decoded / rate, decoded)


def _audio_format(audio: sf.SoundFile, expected: str | None) -> str:
    """The decoder's own idea of the container, which must match the sniffed one."""
    fmt = DECODER_FORMATS.get(audio.format)
    if fmt is None or (expected is not None and fmt != expected):
        raise MediaRejected("undecodable", f"the decoder reads {audio.format}, not {expected}")
    return fmt


def _check_audio_header(audio: sf.SoundFile) -> None:
    """Refuse rates and channel counts no real recording has."""
    if not MIN_SAMPLE_RATE <= audio.samplerate <= MAX_SAMPLE_RATE:
        raise MediaRejected("undecodable", f"implausible sample rate {audio.samplerate} Hz")
    if not 1 <= audio.channels <= MAX_CHANNELS:
        raise MediaRejected("undecodable", f"implausible channel count {audio.channels}")


def _decode_all(audio: sf.SoundFile) -> int:
    """Decode block by block into one reused buffer; returns the frames actually decoded."""
    buffer = np.empty((_BLOCK_FRAMES, audio.channels), dtype=np.float32)
    decoded = 0
    while True:
        block = audio.read(_BLOCK_FRAMES, dtype="float32", always_2d=True, out=buffer)
        decoded += len(block)
        if len(block) < _BLOCK_FRAMES:
            return decoded


def _check_complete(fmt: str, declared: int, decoded: int) -> None:
    """A stream that decodes to fewer frames than its header promises is truncated."""
    if decoded <= 0:
        raise MediaRejected("undecodable", "the audio has no samples")
    shortfall = declared - decoded
    allowed = _LOSSY_SHORTFALL_FRAMES if fmt in _LOSSY else 0
    if shortfall > allowed:
        raise MediaRejected("undecodable", f"truncated: {decoded} of {declared} frames decode")


def probe_image(
    path: str | Path,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    *,
    max_frames: int = DEFAULT_MAX_FRAMES,
    expected_format: str | None = None,
) -> ImageInfo:
    """Read the size from the header, refuse bombs before decoding, then decode every frame."""
    formats = [_PIL_FORMATS[expected_format]] if expected_format else list(_PIL_FORMATS.values())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=formats) as image:
                return _decode_image(image, max_pixels, max_frames)
    except Image.DecompressionBombError as exc:
        raise MediaRejected("too_many_pixels", str(exc)) from exc
    except _IMAGE_ERRORS as exc:
        raise MediaRejected("undecodable", f"the image does not decode: {exc}") from exc


def _decode_image(image: Image.Image, max_pixels: int, max_frames: int) -> ImageInfo:
    """Size checks from the header only, then a full decode of each frame."""
    width, height = image.size
    if width * height > max_pixels:
        raise MediaRejected("too_many_pixels", f"{width}x{height} exceeds {max_pixels} pixels")
    frames = int(getattr(image, "n_frames", 1))
    if frames > max_frames:
        raise MediaRejected("too_many_pixels", f"{frames} frames exceed {max_frames}")
    for index in range(frames):
        image.seek(index)
        image.load()
    fmt = (image.format or "").lower()
    return ImageInfo(fmt, width, height, frames)
