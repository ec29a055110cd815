"""Media test helpers: callers, real generated files, uploads, and what a refusal leaves behind."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf  # type: ignore[import-untyped]
from fastapi import Request
from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.db import ANONYMOUS, Claims
from backbeat.identity.models import User
from backbeat.media.models import MediaObject
from backbeat.media.storage import LocalStorage

TEST_USER_HEADER = "x-test-user"
RATE = 44_100
ORIENTATION, GPS_IFD, MAKE = 0x0112, 0x8825, 0x010F
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'


# callers ---------------------------------------------------------------------------------------


async def header_claims(request: Request) -> Claims:
    """Test-only resolver: the caller is whoever X-Test-User names."""
    user = request.headers.get(TEST_USER_HEADER)
    return Claims(sub=user) if user else ANONYMOUS


def as_user(user: uuid.UUID | None) -> dict[str, str]:
    return {TEST_USER_HEADER: str(user)} if user else {}


async def make_user(session: AsyncSession, name: str = "artist") -> uuid.UUID:
    user = User(id=uuid.uuid4(), username=f"{name}_{uuid.uuid4().hex[:8]}")
    session.add(user)
    await session.flush()
    return user.id


# real files ------------------------------------------------------------------------------------


def wav_bytes(seconds: float = 1.0, *, freq: float = 440.0, subtype: str = "PCM_16") -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    tone = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([tone, tone], axis=1), RATE, format="WAV", subtype=subtype)
    return buffer.getvalue()


def mp3_bytes(seconds: float = 1.0) -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([tone, tone], axis=1), RATE, format="MP3")
    return buffer.getvalue()


def click_loop(bpm: float = 120.0, seconds: float = 8.0) -> bytes:
    """Decaying 1 kHz clicks on every beat, as a 24-bit stereo WAV: a tempo to find."""
    signal = np.zeros(int(RATE * seconds), dtype=np.float32)
    for start in np.arange(0, seconds, 60 / bpm):
        at = int(start * RATE)
        n = np.arange(min(2000, len(signal) - at))
        signal[at : at + len(n)] += 0.8 * np.sin(2 * np.pi * 1000 * n / RATE) * np.exp(-n / 300)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([signal, signal], axis=1), RATE, format="WAV", subtype="PCM_24")
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int, rows: int) -> bytes:
    """A structurally valid RGB PNG declaring width x height, with `rows` rows of zeros."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = bytes(1 + 3 * width)
    body = b"".join(compressor.compress(row) for _ in range(rows)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", body)
        + png_chunk(b"IEND", b"")
    )


def photo(size: tuple[int, int]) -> Image.Image:
    """An image with structure, so the encoders have something real to compress."""
    image = Image.new("RGB", size, (240, 240, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 3, size[1] // 2), fill=(200, 20, 20))
    draw.ellipse((size[0] // 2, size[1] // 3, size[0] - 1, size[1] - 1), fill=(20, 60, 200))
    return image


def geotagged_jpeg(path: Path, size: tuple[int, int], orientation: int = 6) -> Path:
    """A JPEG with camera EXIF, a GPS position, XMP and a rotate-90 orientation tag."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "Camera"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 1.0)})
    photo(size).save(path, "JPEG", exif=exif, xmp=XMP)
    return path


# uploads ---------------------------------------------------------------------------------------


async def upload(
    api: httpx.AsyncClient,
    user: uuid.UUID | None,
    data: bytes,
    *,
    bucket: str = "ip-track-assets",
    name: str = "a.wav",
    mime: str = "audio/wav",
    **fields: str,
) -> httpx.Response:
    """A plain multipart upload of `data` as `user`."""
    return await api.post(
        f"/v1/storage/{bucket}/objects",
        files={"file": (name, data, mime)},
        data=fields,
        headers=as_user(user),
    )


# what is left behind ---------------------------------------------------------------------------


async def object_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(MediaObject)) or 0)


def leftovers(storage: LocalStorage) -> list[str]:
    """Every stored blob and staged file: empty after a refused upload."""
    staged = [p.name for p in storage.staging.iterdir()]
    return storage.stored_keys() + staged


# an S3-compatible server -----------------------------------------------------------------------


def s3_settings(endpoint: str, **overrides: object) -> dict[str, object]:
    """Settings for the S3 backend against the test server, in a fresh bucket."""
    import boto3  # type: ignore[import-untyped]

    bucket = f"media-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)
    return {
        "storage_backend": "s3",
        "s3_endpoint_url": endpoint,
        "s3_bucket": bucket,
        "s3_access_key_id": "test",
        "s3_secret_access_key": "test",
        **overrides,
    }
