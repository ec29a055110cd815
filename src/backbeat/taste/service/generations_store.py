"""A rendered generation into the catalog: its audio through media's pipeline (validated,
stored, queued for analysis like any upload), a private track of the user, and a
`generated_from` lineage edge to its source with the configured share."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import LineageEdge
from backbeat.catalog.schemas import TrackIn
from backbeat.catalog.service.tracks import create_track
from backbeat.catalog.vocabulary import LineageKind
from backbeat.config import Settings
from backbeat.identity.models import User
from backbeat.media import pipeline, staging
from backbeat.media import service as media
from backbeat.media.models import Upload
from backbeat.media.storage import Storage
from backbeat.taste.band_style import ADJECTIVES, NOUNS
from backbeat.taste.creations_models import Generation
from backbeat.taste.generators import Rendered
from backbeat.taste.service.generations_shaping import Plan


def title_of(generation: Generation) -> str:
    """Two words picked by the seed: the same generation, the same title."""
    digest = hashlib.sha256(f"{generation.seed}:{generation.mode}".encode()).digest()
    return f"{ADJECTIVES[digest[0] % len(ADJECTIVES)]} {NOUNS[digest[1] % len(NOUNS)]}"


async def store_audio(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    generation: Generation,
    rendered: Rendered,
) -> uuid.UUID:
    """The file under `{user}/generations/{id}` in the generation bucket, through the pipeline's
    stages in this transaction; the new object's id (its analysis job is queued)."""
    staged_path = storage.staging_file()
    staged_path.write_bytes(rendered.data)
    upload = Upload(
        id=uuid.uuid4(),
        bucket=settings.generation_bucket,
        path=f"{generation.user_id}/generations/{generation.id}.{rendered.extension}",
        owner_id=generation.user_id,
        protocol="generation",
        claimed_type=rendered.content_type,
        metadata_={"generation_id": str(generation.id)},
        length=len(rendered.data),
        offset=len(rendered.data),
        state="analysing",
    )
    session.add(upload)
    await session.flush()
    bucket = await media.get_bucket(session, settings.generation_bucket)
    staged = staging.hash_file(staged_path)
    stored = await pipeline.ingest(session, storage, settings, upload, bucket, staged)
    return stored.id


async def make_track(
    session: AsyncSession,
    settings: Settings,
    generation: Generation,
    plan: Plan,
    audio_object_id: uuid.UUID,
) -> uuid.UUID:
    """The user's private track for the audio, and the lineage edge to its source."""
    owner = await session.get_one(User, generation.user_id)
    body = TrackIn(
        title=title_of(generation),
        artist=owner.display_name or owner.username,
        sample_type="song",
        description=plan.explanation,
        tags=["generated", generation.mode],
        visibility="private",
        audio_object_id=audio_object_id,
    )
    track = await create_track(session, body, actor=generation.user_id, consent_required=False)
    if generation.source_track_id is not None:
        await link_source(session, settings, track.id, generation)
    return track.id


async def link_source(
    session: AsyncSession, settings: Settings, track_id: uuid.UUID, generation: Generation
) -> None:
    """`generated_from` with the configured share (default 0 %: attribution only); the royalty
    engine pays it like any parent edge when a platform sets a share."""
    assert generation.source_track_id is not None
    exists = await session.scalar(
        select(LineageEdge.child_id).where(
            LineageEdge.child_id == track_id, LineageEdge.parent_id == generation.source_track_id
        )
    )
    if exists is None:
        session.add(
            LineageEdge(
                child_id=track_id,
                parent_id=generation.source_track_id,
                kind=LineageKind.GENERATED_FROM.value,
                share_ppm=settings.generation_source_share_ppm,
                created_by=generation.user_id,
            )
        )
        await session.flush()
