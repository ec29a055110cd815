"""Demo media: every demo track gets a real loop and a cover, through the pipeline, once."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import soundfile as sf  # type: ignore[import-untyped]
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.demo import load_catalog_demo
from backbeat.catalog.models import Track
from backbeat.identity.demo import load_demo_users
from backbeat.media.demo import cover_image, load_media_demo, loop_seconds, synthesise_loop
from backbeat.media.models import AudioFile, MediaObject
from backbeat.media.probe import validate_upload
from backbeat.media.storage import LocalStorage
from tests.conftest import settings_for_tests


class TestSynthesis:
    @pytest.mark.parametrize("bpm", [70.0, 120.0, 174.0])
    def test_a_loop_is_whole_bars_of_a_few_seconds(self, bpm: float) -> None:
        seconds = loop_seconds(bpm)
        assert 2.5 <= seconds <= 5.5
        assert (seconds * bpm / 60) % 4 == pytest.approx(0.0, abs=1e-9)
        samples, rate = sf.read(io.BytesIO(synthesise_loop(bpm, "F#m", seed=1)))
        assert rate == 44_100 and len(samples) == round(seconds * rate)
        assert 0.5 < abs(samples).max() <= 0.81

    def test_the_same_track_gives_the_same_bytes(self) -> None:
        assert synthesise_loop(97, "Eb", seed=3) == synthesise_loop(97, "Eb", seed=3)
        assert cover_image("Neon Tide 4", "Kofi Beats") == cover_image("Neon Tide 4", "Kofi Beats")
        assert cover_image("Neon Tide 4", "Kofi") != cover_image("Neon Tide 5", "Kofi")


async def count(session: AsyncSession, query: str) -> int:
    return int(await session.scalar(text(query)) or 0)


async def test_demo_media_is_stored_linked_and_queued_once(
    session: AsyncSession, tmp_path: Path
) -> None:
    settings = settings_for_tests(data_dir=tmp_path / "data")
    await load_demo_users(session)
    await load_catalog_demo(session)
    started = time.perf_counter()
    first = await load_media_demo(session, settings)
    elapsed = time.perf_counter() - started
    second = await load_media_demo(session, settings)
    assert first == second
    assert elapsed < 60  # about 4 s on 2 cores; the bound only catches a pathological slowdown
    objects = list(await session.scalars(select(MediaObject).order_by(MediaObject.path)))
    assert len(objects) == 118
    assert {o.content_type for o in objects} == {"audio/wav", "image/jpeg"}
    assert all(o.thumbnail_sha256 for o in objects if o.content_type == "image/jpeg")
    tracks = list(await session.scalars(select(Track).where(Track.import_key.like("demo:%"))))
    by_id = {o.id: o for o in objects}
    assert all(by_id[t.audio_object_id].content_type == "audio/wav" for t in tracks)  # type: ignore[index]
    assert all(by_id[t.cover_object_id].content_type == "image/jpeg" for t in tracks)  # type: ignore[index]
    assert all(t.duration_seconds is not None and t.bpm is not None for t in tracks)
    assert await session.scalar(select(func.count()).select_from(AudioFile)) == 59
    queued = await count(
        session,
        "select count(*) from procrastinate_jobs where task_name = 'backbeat:media.analyse'",
    )
    assert queued == 59
    storage = LocalStorage(settings.media_dir)
    for stored in objects[:6]:
        checked = validate_upload(
            storage.path_of(stored.sha256), stored.content_type, ["audio/wav", "image/jpeg"]
        )
        assert checked.detected.mime == stored.content_type
    assert len(storage.stored_keys()) == 59 * 3  # loop, cover and its thumbnail, each once
    assert list(storage.staging.iterdir()) == []
