"""Demo media: a short synthesised loop and a generated cover for every demo track, stored
through the upload pipeline's own stages, linked to the track, and queued for analysis.

Deterministic (same bytes, same content addresses on every machine) and idempotent: a second run
finds each track linked and adds nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np
import soundfile as sf  # type: ignore[import-untyped]
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.demo_artists import ARTISTS
from backbeat.catalog.models import Track
from backbeat.catalog.schemas import TrackPatch
from backbeat.catalog.service.tracks import patch_track
from backbeat.config import Settings
from backbeat.identity.models import User
from backbeat.media import pipeline, service, staging
from backbeat.media.models import MediaObject, Upload
from backbeat.media.storage import Storage

RATE = 44_100
TARGET_SECONDS = 4.0
COVER_SIZE = 600
DEMO_BUCKET = "ip-track-assets"
PITCH = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_DEMO_KEY = re.compile(r"^demo:(\d+)$")

Wave = NDArray[np.float64]


# the loop -------------------------------------------------------------------------------------


def parse_key(key: str | None) -> tuple[int, bool]:
    """The catalog's 'F#m' / 'Eb' → (pitch class of the tonic, minor); C major when unknown."""
    if not key:
        return 0, False
    tonic = PITCH.get(key[0].upper(), 0) + key[1:2].count("#") - key[1:2].count("b")
    return tonic % 12, key.endswith("m")


def loop_seconds(bpm: float) -> float:
    """Whole 4/4 bars, as many as come closest to TARGET_SECONDS, so the loop loops."""
    bar = 4 * 60.0 / bpm
    return max(1, round(TARGET_SECONDS / bar)) * bar


def _note(freq: float, seconds: float, decay: float, harmonics: int = 3) -> Wave:
    t = np.arange(int(seconds * RATE)) / RATE
    tone = sum(np.sin(2 * np.pi * freq * h * t) / h for h in range(1, harmonics + 1))
    return np.asarray(tone * np.exp(-t / decay))


def _kick() -> Wave:
    t = np.arange(int(0.25 * RATE)) / RATE
    phase = 2 * np.pi * (50 * t + 70 * 0.04 * (1 - np.exp(-t / 0.04)))
    return np.asarray(np.sin(phase) * np.exp(-t / 0.08))


def _add(out: Wave, sound: Wave, at: float, gain: float) -> None:
    start = int(at * RATE)
    end = min(len(out), start + len(sound))
    out[start:end] += gain * sound[: end - start]


def synthesise_loop(bpm: float, key: str | None, seed: int) -> bytes:
    """A mono 16-bit WAV: kick on the beat, hats off it, a bass and an arpeggio of the key's
    tonic triad, so tempo and key are there to be found."""
    beat, seconds = 60.0 / bpm, loop_seconds(bpm)
    tonic, minor = parse_key(key)
    triad = (tonic, tonic + (3 if minor else 4), tonic + 7)
    rng = np.random.default_rng(seed)
    hat = np.diff(rng.standard_normal(int(0.05 * RATE) + 1)) * np.exp(-np.arange(2205) / 200)
    out = np.zeros(round(seconds * RATE))
    kick, bass = _kick(), _note(_midi_hz(36 + tonic), 2 * beat, beat, 2)
    tones = {t + octave for t in triad for octave in (0, 12)}
    notes = {t: _note(_midi_hz(60 + t), beat, beat / 2) for t in tones}
    for index in range(round(seconds / beat)):
        at = index * beat
        _add(out, kick, at, 0.9)
        _add(out, hat, at + beat / 2, 0.15)
        _add(out, notes[triad[index % 3] + 12 * (index % 6 >= 3)], at, 0.25)
        if index % 2 == 0:
            _add(out, bass, at, 0.35)
    out *= 0.8 / max(float(np.abs(out).max()), 1e-9)
    buffer = io.BytesIO()
    sf.write(buffer, out.astype(np.float32), RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def _midi_hz(note: int) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


# the cover ------------------------------------------------------------------------------------


def cover_image(title: str, artist: str) -> bytes:
    """A 600 px JPEG: a diagonal gradient between two colours from the title's hash, and text."""
    digest = hashlib.sha256(title.encode()).digest()
    start, end = np.array(list(digest[0:3]), float), np.array(list(digest[3:6]), float)
    steps = np.arange(COVER_SIZE, dtype=np.float32)
    ramp = np.add.outer(steps, steps) / np.float32(2 * COVER_SIZE - 2)
    pixels = start.astype(np.float32) + ramp[..., None] * (end - start).astype(np.float32)
    image = Image.fromarray(pixels.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    draw.text((40, 440), title, fill="white", font=ImageFont.load_default(size=44))
    draw.text((40, 500), artist, fill="white", font=ImageFont.load_default(size=28))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


# the loader -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFile:
    """One file to store for a track: where, what type it claims, its bytes."""

    path: str
    content_type: str
    data: bytes


async def store_file(
    session: AsyncSession, storage: Storage, settings: Settings, owner: uuid.UUID, file: DemoFile
) -> uuid.UUID:
    """The object at the path, stored through the pipeline's stages if it is not there yet."""
    existing = await session.scalar(
        select(MediaObject.id).where(
            MediaObject.bucket == DEMO_BUCKET, MediaObject.path == file.path
        )
    )
    if existing is not None:
        return existing
    staged_path = storage.staging_file()
    staged_path.write_bytes(file.data)
    upload = Upload(
        id=uuid.uuid4(),
        bucket=DEMO_BUCKET,
        path=file.path,
        owner_id=owner,
        protocol="demo",
        claimed_type=file.content_type,
        metadata_={"demo": True},
        length=len(file.data),
        offset=len(file.data),
        state="analysing",
    )
    session.add(upload)
    await session.flush()
    bucket = await service.get_bucket(session, DEMO_BUCKET)
    staged = staging.hash_file(staged_path)
    stored = await pipeline.ingest(session, storage, settings, upload, bucket, staged)
    return stored.id


def demo_files(track: Track, number: int) -> tuple[DemoFile, DemoFile]:
    """The loop (at the track's tempo and key) and the cover of demo track `number`."""
    folder = f"{track.created_by}/demo/track-{number + 1:02d}"
    loop = synthesise_loop(track.bpm or 120.0, track.key, seed=number)
    cover = cover_image(track.title, track.artist)
    return DemoFile(f"{folder}.wav", "audio/wav", loop), DemoFile(
        f"{folder}.jpg", "image/jpeg", cover
    )


async def demo_tracks(session: AsyncSession) -> list[tuple[int, Track]]:
    """The catalog demo's tracks, by their number (import key `demo:<n>`)."""
    artists = select(User.id).where(User.username.in_(ARTISTS))
    tracks = await session.scalars(
        select(Track).where(Track.import_key.like("demo:%"), Track.created_by.in_(artists))
    )
    numbered = [(int(m[1]), t) for t in tracks if (m := _DEMO_KEY.match(t.import_key or ""))]
    return sorted(numbered, key=lambda pair: pair[0])


async def load_media_demo(session: AsyncSession, settings: Settings) -> list[str]:
    """Loops and covers for the demo tracks; analysis jobs are queued for the worker."""
    storage = service.storage_for(settings)
    tracks = await demo_tracks(session)
    for number, track in tracks:
        if track.audio_object_id is not None and track.cover_object_id is not None:
            continue
        loop, cover = demo_files(track, number)
        audio_id = await store_file(session, storage, settings, track.created_by, loop)
        cover_id = await store_file(session, storage, settings, track.created_by, cover)
        body = TrackPatch(audio_object_id=audio_id, cover_object_id=cover_id)
        await patch_track(session, track.id, body, actor=track.created_by)
    return [f"{len(tracks)} tracks with a synthesised loop and a cover, analysed by the worker"]


def media_demo_loader(settings: Settings) -> Callable[[AsyncSession], Awaitable[list[str]]]:
    """The loader bound to the configured storage backend."""

    async def load(session: AsyncSession) -> list[str]:
        return await load_media_demo(session, settings)

    return load
