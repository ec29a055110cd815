"""Demo generations: the demo listener gets three real generated tracks and a public band, once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.demo import load_catalog_demo
from backbeat.catalog.models import LineageEdge
from backbeat.identity.demo import load_demo_users
from backbeat.library.demo import load_library_demo
from backbeat.media.demo import load_media_demo
from backbeat.taste.creations_models import Band, Generation
from backbeat.taste.generation_demo import load_generation_demo
from tests.conftest import settings_for_tests


async def test_three_generated_tracks_and_a_band_once(
    session: AsyncSession, tmp_path: Path
) -> None:
    settings = settings_for_tests(data_dir=tmp_path / "data")
    await load_demo_users(session)
    await load_catalog_demo(session)
    await load_media_demo(session, settings)
    await load_library_demo(session)
    first = await load_generation_demo(session, settings)
    second = await load_generation_demo(session, settings)
    assert first == second and "3 generated tracks in the band 'The " in first[0]
    made = list(await session.scalars(select(Generation).order_by(Generation.seed)))
    assert [(g.mode, g.status) for g in made] == [
        ("new", "completed"),
        ("similar", "completed"),
        ("extend", "completed"),
    ]
    assert made[0].influences and made[0].explanation.startswith("Because you like")  # type: ignore[union-attr]
    edges = await session.scalar(
        select(func.count()).select_from(LineageEdge).where(LineageEdge.kind == "generated_from")
    )
    assert edges == 2
    band = await session.scalar(select(Band))
    assert band is not None and band.is_public and band.track_count == 3 and band.style_count == 3
    analyses = await session.scalar(
        text(
            "select count(*) from procrastinate_jobs j join media_audio_files a "
            "on j.args->>'audio_file_id' = a.id::text join catalog_tracks t "
            "on t.audio_object_id = a.object_id where t.id = any(:ids)"
        ),
        {"ids": [g.track_id for g in made]},
    )
    assert analyses == 3
