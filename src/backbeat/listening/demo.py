"""Demo listening: a year of listens (with skips) for every demo account, then plays counted."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.listening.listens import ListenIn
from backbeat.listening.service.ingest import ingest_listens
from backbeat.listening.service.plays import count_plays_chunk

DEMO_CLIENT = "backbeat-demo"
DAYS = 365
PER_DAY = (0, 6)
BATCH = 1000


async def _demo_people(session: AsyncSession) -> list[uuid.UUID]:
    rows = await session.scalars(
        text(
            "select id from identity_users where email like '%@demo.backbeat.local' "
            "or id in (select created_by from catalog_tracks where import_key like 'demo:%') "
            "order by username"
        )
    )
    return [uuid.UUID(str(r)) for r in rows]


async def _public_tracks(session: AsyncSession) -> list[tuple[uuid.UUID, str, str, float | None]]:
    rows = await session.execute(
        text(
            "select id, artist, title, duration_seconds from catalog_tracks "
            "where visibility = 'public' and deleted_at is null order by created_at, id"
        )
    )
    return [(uuid.UUID(str(r[0])), r[1], r[2], r[3]) for r in rows.all()]


def year_of_listens(
    tracks: list[tuple[uuid.UUID, str, str, float | None]], seed: int, end: datetime
) -> list[ListenIn]:
    """A listener's year: a few favourites played often, one in six plays skipped early."""
    rng = random.Random(seed)
    favourites = rng.sample(tracks, k=min(8, len(tracks)))
    listens = []
    for day in range(DAYS):
        for _ in range(rng.randint(*PER_DAY)):
            track_id, artist, title, seconds = rng.choice(
                favourites if rng.random() < 0.6 else tracks
            )
            duration = int((seconds or 180) * 1000)
            skipped = rng.random() < 1 / 6
            at = end - timedelta(days=day, seconds=rng.randint(0, 86_399))
            listens.append(
                ListenIn(
                    listened_at=at,
                    artist_name=artist,
                    track_name=title,
                    track_id=track_id,
                    duration_ms=duration,
                    ms_played=rng.randint(duration // 10, duration // 3) if skipped else duration,
                    skipped=skipped,
                    client=DEMO_CLIENT,
                )
            )
    return listens


async def load_listening_demo(session: AsyncSession) -> list[str]:
    """Skips accounts that already have demo listens, so a second run adds nothing."""
    tracks = await _public_tracks(session)
    people = await _demo_people(session)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    added = 0
    for seed, person in enumerate(people):
        has = await session.scalar(
            text(
                "select exists (select 1 from listening_listens where user_id = :u and client = :c)"
            ),
            {"u": person, "c": DEMO_CLIENT},
        )
        if has or not tracks:
            continue
        listens = year_of_listens(tracks, seed, end)
        for start in range(0, len(listens), BATCH):
            added += (
                await ingest_listens(session, person, listens[start : start + BATCH])
            ).inserted
    while added and await count_plays_chunk(session, min_ms=30_000, lag_seconds=0, limit=50_000):
        pass
    return [await _report(session, len(people))]


async def _report(session: AsyncSession, people: int) -> str:
    """What the demo holds (the same on every run once loaded)."""
    listens, plays = (
        await session.execute(
            text(
                "select (select count(*) from listening_listens where client = :c), "
                "(select coalesce(sum(plays), 0) from listening_track_plays_daily)"
            ),
            {"c": DEMO_CLIENT},
        )
    ).one()
    return f"{listens} demo listens of {people} accounts, {plays} plays counted"
