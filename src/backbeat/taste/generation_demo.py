"""Demo generations and a band: three short tracks for the demo listener (one from their taste,
one similar to a demo track, one extending another) made synchronously in the loader's
transaction (8 seconds of audio each: under a second of work), and a public band of them.

Idempotent: a generation is made once per (user, demo seed), the band once per user. Demo
generations do not count against the daily quota.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.config import Settings
from backbeat.identity.models import User
from backbeat.media.service import storage_for
from backbeat.media.storage import Storage
from backbeat.taste.band_schemas import BandIn
from backbeat.taste.creations_models import Band, Generation
from backbeat.taste.generation_tasks import complete, plan_for, render
from backbeat.taste.generators_procedural import PROCEDURAL
from backbeat.taste.quota import quota_day
from backbeat.taste.service.bands import create_band
from backbeat.taste.service.generations_shaping import influences_of

DEMO_USER = "mia"
DEMO_SECONDS = 8.0
DEMO_SEEDS = {"new": 2026_12_01, "similar": 2026_12_02, "extend": 2026_12_03}
PUBLIC_DEMO_TRACKS = """select id from catalog_tracks where import_key like 'demo:%'
  and visibility = 'public' and deleted_at is null order by import_key limit 2"""


async def demo_generation(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    user: uuid.UUID,
    mode: str,
    source: uuid.UUID | None,
) -> uuid.UUID | None:
    """One completed generation (made now, in this transaction); its track."""
    seed = DEMO_SEEDS[mode]
    done = await session.scalar(
        select(Generation.track_id).where(Generation.user_id == user, Generation.seed == seed)
    )
    if done is not None:
        return done
    prompt = f"demo {mode}"
    generation = Generation(
        user_id=user,
        mode=mode,
        status="generating",
        source_track_id=source,
        duration_seconds=DEMO_SECONDS,
        prompt_sha256=hashlib.sha256(prompt.encode()).hexdigest(),
        seed=seed,
        generator=PROCEDURAL.name,
        generator_version=PROCEDURAL.version,
        quota_day=quota_day(datetime.now(UTC)),
        started_at=datetime.now(UTC),
    )
    session.add(generation)
    plan = plan_for(generation, await influences_of(session, generation))
    generation.parameters = plan.recipe.parameters()
    generation.influences = [i.as_json() for i in plan.influences]
    await session.flush()
    made = render(storage, PROCEDURAL, plan.recipe)
    await complete(session, storage, settings, generation, plan, made)
    return generation.track_id


async def load_generation_demo(session: AsyncSession, settings: Settings) -> list[str]:
    """The demo listener's three generated tracks and their public band."""
    user = await session.scalar(select(User.id).where(User.username == DEMO_USER))
    sources = [uuid.UUID(str(t)) for t in await session.scalars(text(PUBLIC_DEMO_TRACKS))]
    if user is None or len(sources) < 2:
        return ["no demo listener or demo tracks: no generations"]
    storage = storage_for(settings)
    tracks = []
    for mode, source in (("new", None), ("similar", sources[0]), ("extend", sources[1])):
        track = await demo_generation(session, storage, settings, user, mode, source)
        if track is not None:
            tracks.append(track)
    band = await session.scalar(select(Band).where(Band.owner_id == user))
    if band is None:
        made = await create_band(
            session, settings, BandIn(track_ids=tracks, is_public=True), actor=user
        )
        name = made.name
    else:
        name = band.name
    return [f"{DEMO_USER}: {len(tracks)} generated tracks in the band {name!r}"]


def generation_demo_loader(settings: Settings) -> Callable[[AsyncSession], Awaitable[list[str]]]:
    """The loader bound to the configured storage backend."""

    async def load(session: AsyncSession) -> list[str]:
        return await load_generation_demo(session, settings)

    return load
