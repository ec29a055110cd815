"""Embedding models and track vectors, and the nearest tracks to a vector.

These are the small calls other taste modules (generation, bands, radio) build on; their
signatures stay stable. Vectors cross this boundary as float64 numpy arrays, L2-normalised.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import NotFound
from backbeat.taste.errors import (
    ModelExists,
    NotAllowedToEmbed,
    UnknownModel,
    WrongDimension,
)
from backbeat.taste.models import EmbeddingModel, TrackEmbedding, UserVector

AUDIO_MODEL = "backbeat-audio-v1"
"""The built-in model every analysed track gets a vector in (taste/audio_features.py)."""

Vector = NDArray[np.float64]


def normalised(values: Sequence[float] | Vector) -> Vector:
    """The unit vector in the direction of `values` (cosine search ignores length; means don't)."""
    array = np.asarray(values, dtype=np.float64)
    norm = float(np.linalg.norm(array))
    if not math.isfinite(norm) or norm == 0.0:
        raise WrongDimension("A vector needs finite values and a length above zero.")
    return array / norm


def vector_text(values: Vector) -> str:
    """pgvector's text form, `[x,y,…]` (what `cast(:v as vector)` reads)."""
    return "[" + ",".join(f"{float(x):.9g}" for x in values) + "]"


def match_percent(distance: float) -> int:
    """A cosine distance as a 0-100 match (100 = same direction, 0 = orthogonal or opposite)."""
    return max(0, min(100, round(100 * (1.0 - distance))))


async def list_models(session: AsyncSession) -> Sequence[EmbeddingModel]:
    """Every registered model, oldest first."""
    rows = await session.scalars(select(EmbeddingModel).order_by(EmbeddingModel.created_at))
    return rows.all()


async def get_model(session: AsyncSession, name: str) -> EmbeddingModel:
    """The model of that name, or 404."""
    model = await session.scalar(select(EmbeddingModel).where(EmbeddingModel.name == name))
    if model is None:
        raise UnknownModel(f"No embedding model {name!r}.")
    return model


async def register_model(
    session: AsyncSession, *, name: str, version: str, dimension: int, description: str = ""
) -> EmbeddingModel:
    """Register a model and create its HNSW index (taste_register_model checks for an admin)."""
    existing = await session.scalar(select(EmbeddingModel.id).where(EmbeddingModel.name == name))
    if existing is not None:
        raise ModelExists(f"An embedding model named {name!r} exists.")
    await session.execute(
        text("select taste_register_model(:name, :version, :dimension, :description)"),
        {"name": name, "version": version, "dimension": dimension, "description": description},
    )
    return await get_model(session, name)


async def put_track_vector(
    session: AsyncSession,
    track_id: uuid.UUID,
    model_name: str,
    values: Sequence[float],
    *,
    may_embed_any: bool,
    actor: uuid.UUID | None,
) -> datetime:
    """Store a track's vector in a model (normalised); admins may embed any visible track,
    others only their own. Returns when it was stored."""
    model = await get_model(session, model_name)
    if len(values) != model.dimension:
        raise WrongDimension(
            f"{model.name} vectors have {model.dimension} dimensions, not {len(values)}.",
            expected=model.dimension,
        )
    owner = await session.scalar(
        text("select created_by from catalog_tracks where id = :id and deleted_at is null"),
        {"id": track_id},
    )
    if owner is None:
        raise NotFound(f"No track {track_id}")
    if not may_embed_any and owner != actor:
        raise NotAllowedToEmbed("Only an admin or the track's owner may push its vector.")
    return await store_track_vector(session, track_id, model, normalised(values))


async def store_track_vector(
    session: AsyncSession, track_id: uuid.UUID, model: EmbeddingModel, vector: Vector
) -> datetime:
    """Insert or replace a track's vector (the caller has checked the right to)."""
    stored: datetime = (
        await session.execute(
            text(
                "insert into taste_track_embeddings (model_id, track_id, dimension, embedding) "
                "values (:model, :track, :dimension, cast(:vector as vector)) "
                "on conflict (model_id, track_id) do update "
                "set embedding = excluded.embedding, updated_at = now() returning updated_at"
            ),
            {
                "model": model.id,
                "track": track_id,
                "dimension": model.dimension,
                "vector": vector_text(vector),
            },
        )
    ).scalar_one()
    return stored


async def track_vector(
    session: AsyncSession, track_id: uuid.UUID, *, model: str = AUDIO_MODEL
) -> Vector | None:
    """A track's vector in a model (unit length), or None when it has none (yet)."""
    found = await session.scalar(
        select(TrackEmbedding.embedding)
        .join(EmbeddingModel, EmbeddingModel.id == TrackEmbedding.model_id)
        .where(EmbeddingModel.name == model, TrackEmbedding.track_id == track_id)
    )
    return None if found is None else np.asarray(found, dtype=np.float64)


async def user_taste_vector(
    session: AsyncSession, user_id: uuid.UUID, *, model: str = AUDIO_MODEL
) -> Vector | None:
    """A user's taste in a model as a unit vector, or None when they have none (yet)."""
    found = await session.scalar(
        select(UserVector.vector)
        .join(EmbeddingModel, EmbeddingModel.id == UserVector.model_id)
        .where(EmbeddingModel.name == model, UserVector.user_id == user_id)
    )
    if found is None:
        return None
    array = np.asarray(found, dtype=np.float64)
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else None


@dataclass(frozen=True)
class TrackFilters:
    """What a recommended track must be (every filter optional)."""

    sample_type: str | None = None
    bpm_min: float | None = None
    bpm_max: float | None = None
    key: str | None = None
    derivatives: bool = False  # the licence allows derivatives ("remix this")


@dataclass(frozen=True)
class Neighbour:
    """A track near a vector: its cosine distance and the match that makes."""

    track_id: uuid.UUID
    distance: float

    @property
    def match(self) -> int:
        return match_percent(self.distance)


CANDIDATES = text(
    "select track_id, distance from taste_candidates(:model, cast(:vector as vector), :k, "
    ":user, cast(:exclude as uuid[]), :sample_type, :bpm_min, :bpm_max, :key, :derivatives, "
    ":heard_since)"
)


async def nearest_tracks(
    session: AsyncSession,
    vector: Vector,
    *,
    model: str = AUDIO_MODEL,
    k: int = 10,
    exclude: Sequence[uuid.UUID] = (),
    for_user: uuid.UUID | None = None,
    filters: TrackFilters | None = None,
    heard_since: datetime | None = None,
) -> list[Neighbour]:
    """The k public tracks nearest to `vector` (k whenever k exist), nearest first; `for_user`
    leaves out their own and disliked tracks, and those they heard since `heard_since`."""
    found = await get_model(session, model)
    if len(vector) != found.dimension:
        raise WrongDimension(f"{found.name} vectors have {found.dimension} dimensions.")
    wanted = filters or TrackFilters()
    rows = await session.execute(
        CANDIDATES,
        {
            "model": found.id,
            "vector": vector_text(np.asarray(vector, dtype=np.float64)),
            "k": k,
            "user": for_user,
            "exclude": [str(track) for track in exclude],
            "sample_type": wanted.sample_type,
            "bpm_min": wanted.bpm_min,
            "bpm_max": wanted.bpm_max,
            "key": wanted.key,
            "derivatives": wanted.derivatives,
            "heard_since": heard_since,
        },
    )
    return [Neighbour(row.track_id, float(row.distance)) for row in rows]
