"""Helpers of the generation, quota and band tests: an app with storage in a temp dir and
callers named by a header, and running a generation's job (and media's analysis) in-process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backbeat.app import create_app
from backbeat.catalog.models import Track
from backbeat.db import Database
from backbeat.edge import state_of
from backbeat.media.models import AudioFile
from backbeat.media.router import STORAGE
from backbeat.media.tasks import analyse_audio_file
from backbeat.taste.generation_tasks import GenerationContext, run_generation
from tests.catalog.factories import User
from tests.conftest import rollback_database, settings_for_tests


@asynccontextmanager
async def generation_app(
    database: Database, connection: AsyncConnection, data_dir: Path, **settings: object
) -> AsyncIterator[FastAPI]:
    """The real app in the test's transaction, storing files under `data_dir`."""
    configured = settings_for_tests(data_dir=data_dir, **settings)
    application = create_app(configured, database=rollback_database(database, connection))
    async with application.router.lifespan_context(application):
        yield application


def context_of(app: FastAPI) -> GenerationContext:
    """What the worker would run the job with, from the app's own state."""
    state = state_of(app)
    return GenerationContext(
        state.require_database(), state.component(STORAGE), state.require_broker(), state.settings
    )


async def generate(api: httpx.AsyncClient, user: User, **body: Any) -> dict[str, Any]:
    """POST /v1/generations, asserting the 202."""
    response = await api.post("/v1/generations", json=body, headers=user.headers)
    assert response.status_code == 202, response.text
    accepted: dict[str, Any] = response.json()
    return accepted


async def run_job(app: FastAPI, generation_id: str) -> str:
    """The generation's job, as the worker runs it."""
    return await run_generation(context_of(app), uuid.UUID(generation_id))


async def analyse_track(app: FastAPI, session: AsyncSession, track_id: str) -> AudioFile:
    """Media's analysis job for the track's audio, as the worker runs it."""
    track = await session.get_one(Track, uuid.UUID(track_id))
    audio = await session.scalar(
        select(AudioFile).where(AudioFile.object_id == track.audio_object_id)
    )
    assert audio is not None
    state = state_of(app)
    status = await analyse_audio_file(state.require_database(), state.component(STORAGE), audio.id)
    assert status == "complete"
    await session.refresh(audio)
    return audio


async def generated_track(
    app: FastAPI, api: httpx.AsyncClient, user: User, **body: Any
) -> dict[str, Any]:
    """A completed generation (POST, then its job); its GET body."""
    accepted = await generate(api, user, **body)
    assert await run_job(app, accepted["id"]) == "completed"
    found = await api.get(f"/v1/generations/{accepted['id']}", headers=user.headers)
    data: dict[str, Any] = found.json()
    return data


async def make_generated(
    session: AsyncSession,
    owner: uuid.UUID,
    *,
    bpm: float = 120.0,
    key: str = "Am",
    embedding: list[float] | None = None,
) -> uuid.UUID:
    """A completed generation's private track, written directly (no job), with an optional
    vector in the style model (backbeat-audio-v1, 64 dimensions)."""
    track = uuid.uuid4()
    await session.execute(
        text(
            "insert into catalog_tracks (id, title, artist, sample_type, visibility, created_by, "
            "bpm, key) values (:t, 'Made', 'Me', 'song', 'private', :u, :bpm, :key)"
        ),
        {"t": track, "u": owner, "bpm": bpm, "key": key},
    )
    await session.execute(
        text(
            "insert into taste_generations (id, user_id, mode, status, duration_seconds, seed, "
            "generator, generator_version, track_id, quota_day) values (gen_random_uuid(), :u, "
            "'new', 'completed', 10, 1, 'backbeat-procedural', '1.0.0', :t, current_date)"
        ),
        {"u": owner, "t": track},
    )
    if embedding is not None:
        await session.execute(
            text(
                "insert into taste_track_embeddings (model_id, track_id, dimension, embedding) "
                "select id, :t, dimension, cast(:v as vector) from taste_embedding_models "
                "where name = 'backbeat-audio-v1'"
            ),
            {"t": track, "v": str(embedding)},
        )
    return track


def basis(index: int, scale: float = 1.0) -> list[float]:
    """A 64-d vector along one axis."""
    return [scale if i == index else 0.0 for i in range(64)]
