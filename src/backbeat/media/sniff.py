"""Type detection from the bytes, and the structural rule that refuses polyglots.

The rule: a file is exactly one format, recognised by its magic number at offset 0, and that
format's own structure must account for every byte of the file.

- RIFF (WAV, WebP) and FORM (AIFF): the declared container size + 8 is the file size (one pad
  byte allowed when the size is odd) and the chunk chain ends exactly at the container's end.
- PNG: the chunk chain ends with IEND at the end of the file.
- JPEG: the marker segments and entropy-coded data end with EOI (FFD9); only zero padding may
  follow it.
- GIF: the block chain ends with the trailer byte (0x3B) at the end of the file.
- OGG: the pages chain from the first byte to the last.
- MP3: an optional ID3v2 tag, then MPEG audio frames that chain to the end of the file, then an
  optional APEv2 tag and an optional ID3v1 tag. A partial last frame (a truncated file) is
  refused; free-format bitrates are refused.
- FLAC: frames carry no length, so the metadata chain is checked, the body is searched for
  another format's long signature, and the decoder (probe) must decode all declared samples.
- Refused too: a WAV with a placeholder (streaming) RIFF size, an ID3v2 tag before FLAC.

Audio whose samples merely spell another format's header is accepted: no parser of that other
format would read it there.
"""

from __future__ import annotations

import mmap
import re
import struct
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

HEAD_SIZE = 4096
TAIL_SIZE = 1024


class MediaRejected(Exception):
    """A file refused by the upload gate; `code` is stable and meant for API clients."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Detected:
    """What the bytes say a file is."""

    mime: str
    family: Literal["audio", "image"]
    format: str


KINDS: dict[str, Detected] = {
    "wav": Detected("audio/wav", "audio", "wav"),
    "aiff": Detected("audio/aiff", "audio", "aiff"),
    "flac": Detected("audio/flac", "audio", "flac"),
    "ogg": Detected("audio/ogg", "audio", "ogg"),
    "mp3": Detected("audio/mpeg", "audio", "mp3"),
    "jpeg": Detected("image/jpeg", "image", "jpeg"),
    "png": Detected("image/png", "image", "png"),
    "gif": Detected("image/gif", "image", "gif"),
    "webp": Detected("image/webp", "image", "webp"),
}

_ALIASES = {
    "audio/wav": ("audio/x-wav", "audio/wave", "audio/vnd.wave"),
    "audio/aiff": ("audio/x-aiff",),
    "audio/flac": ("audio/x-flac",),
    "audio/ogg": ("application/ogg", "audio/vorbis", "audio/opus"),
    "audio/mpeg": ("audio/mp3", "audio/x-mp3", "audio/mpeg3"),
    "image/jpeg": ("image/jpg", "image/pjpeg"),
}
MIME_ALIASES = {alias: mime for mime, aliases in _ALIASES.items() for alias in aliases}

_MAX_JPEG_PADDING = 65536  # zero bytes some JPEG writers leave after EOI; not a second format
_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_PREFIXES = {
    b"fLaC": "flac",
    b"OggS": "ogg",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
    _PNG_SIG: "png",
    b"\xff\xd8\xff": "jpeg",
}


def canonical_mime(mime: str) -> str:
    """Lowercase, parameters dropped, common aliases folded, so claims compare fairly."""
    bare = mime.split(";", 1)[0].strip().lower()
    return MIME_ALIASES.get(bare, bare)


def detect(head: bytes, tail: bytes | None = None) -> Detected:
    """The format whose magic number is at offset 0; `tail` catches data after an end marker."""
    if not head:
        raise MediaRejected("empty", "the file has no bytes")
    fmt = _magic_format(head)
    if fmt is None:
        raise MediaRejected("unknown_type", "the bytes match none of the accepted formats")
    if tail is not None and not _trailer_ok(fmt, tail):
        raise MediaRejected("polyglot", f"data follows the end of the {fmt}")
    return KINDS[fmt]


def check_claim(detected: Detected, claimed_mime: str, allowed: Collection[str]) -> None:
    """The detected type must be allowed (exact or `family/*`) and agree with the claim."""
    allowed_set = {canonical_mime(a) for a in allowed}
    if detected.mime not in allowed_set and f"{detected.family}/*" not in allowed_set:
        raise MediaRejected("not_allowed", f"{detected.mime} is not accepted here")
    if canonical_mime(claimed_mime) != detected.mime:
        raise MediaRejected(
            "type_mismatch", f"claimed {canonical_mime(claimed_mime)}, bytes are {detected.mime}"
        )


def _magic_format(head: bytes) -> str | None:
    """Formats are mutually exclusive at offset 0, so the first match is the only one."""
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"WEBP"):
        return "wav" if head[8:12] == b"WAVE" else "webp"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    for magic, fmt in _PREFIXES.items():
        if head.startswith(magic):
            return fmt
    if head.startswith(b"ID3") and len(head) >= 10 and head[3] in (2, 3, 4):
        return "mp3"
    return "mp3" if _mp3_sync_at_start(head) else None


def _mp3_sync_at_start(head: bytes) -> bool:
    """A valid frame header at 0, and a second one where the first frame ends (if in `head`)."""
    first = _mp3_frame_length(head, 0)
    return first is not None and (len(head) < first + 4 or bool(_mp3_frame_length(head, first)))


def _trailer_ok(fmt: str, tail: bytes) -> bool:
    """False when the tail shows data after the format's end marker (silent when unsure)."""
    if fmt == "png":
        found = tail.rfind(_PNG_IEND)
        return found < 0 or found + len(_PNG_IEND) == len(tail)
    if fmt == "jpeg":
        found = tail.rfind(b"\xff\xd9")
        return found < 0 or not tail[found + 2 :].strip(b"\x00")
    return True


_MP3_BITRATES_KBPS: dict[tuple[bool, int], tuple[int, ...]] = {
    (True, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 1): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame_length(buf: bytes | mmap.mmap, pos: int) -> int | None:
    """Length in bytes of the MPEG audio frame whose header is at `pos`, or None if invalid."""
    if pos + 4 > len(buf):
        return None
    b0, b1, b2, b3 = buf[pos : pos + 4]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if b0 != 0xFF or b1 & 0xE0 != 0xE0 or version == 1 or layer == 0:
        return None
    if bitrate_index in (0, 15) or rate_index == 3 or b3 & 3 == 2:
        return None
    mpeg1 = version == 3
    bitrate = _MP3_BITRATES_KBPS[(mpeg1, layer)][bitrate_index] * 1000
    rate = _MP3_RATES[version][rate_index]
    padding = (b2 >> 1) & 1
    if layer == 3:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 144 if mpeg1 or layer == 2 else 72
    return per_frame * bitrate // rate + padding


class _StructureError(Exception):
    """A walker met bytes its format does not allow at `pos`."""

    def __init__(self, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.pos = pos


def _chunk_chain(buf: mmap.mmap, start: int, end: int, endian: str) -> None:
    """IFF/RIFF chunks (id, size, data, pad to even) must tile [start, end) exactly."""
    pos = start
    while pos + 8 <= end:
        (size,) = struct.unpack_from(endian + "I", buf, pos + 4)
        pos += 8 + size + (size & 1)
    if pos not in (end, end + 1):
        raise _StructureError(
            min(pos, len(buf)), "the chunk chain does not end at the container's end"
        )


def _container(buf: mmap.mmap, endian: str) -> int:
    """RIFF/FORM: the declared size must be the file's size and the chunks must tile it."""
    (size,) = struct.unpack_from(endian + "I", buf, 4)
    end = 8 + size
    if end > len(buf):
        raise _StructureError(len(buf), f"truncated: the container declares {end} bytes")
    _chunk_chain(buf, 12, end, endian)
    return len(buf) if len(buf) == end + 1 and size & 1 else end


def _walk_png(buf: mmap.mmap) -> int:
    """Chunks after the signature, up to and including IEND."""
    pos = len(_PNG_SIG)
    while pos + 12 <= len(buf):
        (length,) = struct.unpack_from(">I", buf, pos)
        kind = buf[pos + 4 : pos + 8]
        pos += 12 + int(length)
        if kind == b"IEND":
            return pos
    raise _StructureError(min(pos, len(buf)), "the PNG has no IEND chunk")


def _walk_jpeg(buf: mmap.mmap) -> int:
    """Marker segments; after each SOS skip entropy-coded data to the next real marker."""
    pos = 2
    while pos + 2 <= len(buf):
        if buf[pos] != 0xFF:
            raise _StructureError(pos, "expected a JPEG marker")
        marker = buf[pos + 1]
        if marker == 0xD9:
            return pos + 2
        if marker == 0xFF or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack_from(">H", buf, pos + 2)
        pos += 2 + length
        if marker == 0xDA:
            pos = _skip_entropy_data(buf, pos)
    raise _StructureError(min(pos, len(buf)), "truncated: the JPEG has no EOI marker")


def _skip_entropy_data(buf: mmap.mmap, pos: int) -> int:
    """The offset of the first marker after scan data (FF00 stuffing and RSTn are data)."""
    while True:
        pos = buf.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(buf):
            raise _StructureError(len(buf), "truncated: the JPEG scan data never ends")
        following = buf[pos + 1]
        if following != 0x00 and not 0xD0 <= following <= 0xD7:
            return pos
        pos += 2


def _walk_gif(buf: mmap.mmap) -> int:
    """Header, optional global colour table, then extension and image blocks to the trailer."""
    flags = buf[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while pos < len(buf):
        introducer = buf[pos]
        if introducer == 0x3B:
            return pos + 1
        if introducer == 0x21:
            pos = _skip_sub_blocks(buf, pos + 2)
        elif introducer == 0x2C and pos + 10 <= len(buf):
            local = buf[pos + 9]
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            pos = _skip_sub_blocks(buf, pos + 1)
        else:
            raise _StructureError(pos, "expected a GIF block")
    raise _StructureError(len(buf), "truncated: the GIF has no trailer")


def _skip_sub_blocks(buf: mmap.mmap, pos: int) -> int:
    """GIF data sub-blocks: a length byte then that many bytes, until a zero length."""
    while pos < len(buf):
        size = buf[pos]
        pos += 1 + size
        if size == 0:
            return pos
    raise _StructureError(len(buf), "truncated: a GIF block never ends")


def _walk_ogg(buf: mmap.mmap) -> int:
    """Pages (header, segment table, segments) back to back; stops where no page starts."""
    pos = 0
    while pos + 27 <= len(buf) and buf[pos : pos + 4] == b"OggS":
        segments = buf[pos + 26]
        table = buf[pos + 27 : pos + 27 + segments]
        pos += 27 + segments + sum(table)
    if pos > len(buf) or (pos < len(buf) and b"OggS".startswith(buf[pos : pos + 4])):
        raise _StructureError(len(buf), "truncated: the last OGG page is incomplete")
    return pos


def _mp3_audio_end(buf: mmap.mmap) -> int:
    """Where MPEG frames must end: before an ID3v1 tag and an APEv2 tag, if present."""
    end = len(buf)
    if end >= 128 and buf[end - 128 : end - 125] == b"TAG":
        end -= 128
    if end >= 32 and buf[end - 32 : end - 24] == b"APETAGEX":
        size, flags = struct.unpack_from("<II", buf, end - 32 + 12)
        end -= size + (32 if flags & 0x80000000 else 0)
    return end


def _walk_mp3(buf: mmap.mmap) -> int:
    """ID3v2 tag, then frames that must chain exactly to the start of any trailing tags."""
    pos = 0
    if buf[:3] == b"ID3":
        size = (buf[6] << 21) | (buf[7] << 14) | (buf[8] << 7) | buf[9]
        pos = 10 + size + (10 if buf[5] & 0x10 else 0)
    audio_end, frames = _mp3_audio_end(buf), 0
    while pos < audio_end:
        length = _mp3_frame_length(buf, pos)
        if length is None:
            break
        pos, frames = pos + length, frames + 1
    if frames == 0:
        raise _StructureError(pos, "no MPEG audio frame where one must start")
    if pos > audio_end:
        raise _StructureError(len(buf), "truncated: the last MPEG frame is incomplete")
    return len(buf) if pos == audio_end else pos


# Signatures long enough that finding one by chance in a large file is negligible.
_EMBEDDED = re.compile(
    rb"(?P<png>\x89PNG\r\n\x1a\n)|(?P<gif>GIF8[79]a)|(?P<jpeg>\xff\xd8\xff(?:\xe0..JFIF|\xe1..Exif)\x00)"
    rb"|(?P<wav>RIFF....WAVEfmt )|(?P<webp>RIFF....WEBPVP8)|(?P<aiff>FORM....AIF[FC])"
    rb"|(?P<ogg>OggS\x00\x02)|(?P<flac>fLaC[\x00\x80]\x00\x00\x22)|(?P<mp3>ID3[\x02-\x04]\x00)",
    re.DOTALL,
)


def _walk_flac(buf: mmap.mmap) -> int:
    """Metadata blocks, then a frame sync; the body must hold no other format's signature."""
    pos, last = 4, False
    while not last:
        if pos + 4 > len(buf) or buf[pos] & 0x7F == 127:
            raise _StructureError(min(pos, len(buf)), "broken FLAC metadata block")
        last = bool(buf[pos] & 0x80)
        pos += 4 + int.from_bytes(buf[pos + 1 : pos + 4], "big")
    if pos + 2 > len(buf) or buf[pos] != 0xFF or buf[pos + 1] & 0xFE != 0xF8:
        raise _StructureError(min(pos, len(buf)), "no FLAC frame after the metadata")
    embedded = _EMBEDDED.search(buf, pos)
    if embedded is not None:
        raise _StructureError(embedded.start(), f"a {embedded.lastgroup} inside the FLAC stream")
    return len(buf)


_WALKERS: dict[str, Callable[[mmap.mmap], int]] = {
    "wav": partial(_container, endian="<"),
    "webp": partial(_container, endian="<"),
    "aiff": partial(_container, endian=">"),
    "png": _walk_png,
    "jpeg": _walk_jpeg,
    "gif": _walk_gif,
    "ogg": _walk_ogg,
    "mp3": _walk_mp3,
    "flac": _walk_flac,
}


def signature_at(buf: bytes | mmap.mmap, pos: int) -> str | None:
    """The format whose magic number starts at `pos`, if any."""
    embedded = _EMBEDDED.match(buf, pos)
    if embedded is not None:
        return embedded.lastgroup
    return _magic_format(bytes(buf[pos : pos + HEAD_SIZE]))


def refuse_polyglot(path: str | Path, detected: Detected) -> None:
    """Raise unless the detected format's structure accounts for every byte of the file."""
    with open(path, "rb") as file:
        if file.seek(0, 2) == 0:
            raise MediaRejected("empty", "the file has no bytes")
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            _check_structure(buf, detected.format)


def _check_structure(buf: mmap.mmap, fmt: str) -> None:
    """Run the walker, then judge what (if anything) lies beyond the structure's end."""
    try:
        end = _WALKERS[fmt](buf)
    except (_StructureError, struct.error, IndexError) as exc:
        pos = exc.pos if isinstance(exc, _StructureError) else len(buf)
        other = signature_at(buf, pos) if pos < len(buf) else None
        if other is not None:
            raise MediaRejected("polyglot", f"a {other} starts at byte {pos} of a {fmt}") from exc
        raise MediaRejected("undecodable", f"{fmt}: {exc}") from exc
    rest = len(buf) - end
    if rest == 0 or (fmt == "jpeg" and rest <= _MAX_JPEG_PADDING and not buf[end:].strip(b"\0")):
        return
    other = signature_at(buf, end)
    what = f"a {other}" if other else f"{rest} bytes of unknown data"
    raise MediaRejected("polyglot", f"{what} follows the {fmt} at byte {end}")
