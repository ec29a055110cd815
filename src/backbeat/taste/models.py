"""Taste tables: embedding models, track embeddings, user taste vectors, onboarding profiles,
the trigger-fed taste event queue, radio stations and the recall monitor's measurements.

Row-level security, the per-model HNSW index function and the triggers that feed the event queue
are in the migration (2026-12-03_taste.py); these models are what Alembic compares. A model's
HNSW index (`ix_taste_model_<hex>`) is made when the model is registered, so no model names it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.columns import now_column, track_ref, user_ref
from backbeat.db import Base
from backbeat.identity.models import uuid7

MAX_DIMENSION = 2000
"""pgvector 0.6's HNSW indexes vectors of up to 2,000 dimensions."""
SEED_KINDS = ("track", "artist", "taste")
EVENT_KINDS = ("listen", "like", "dislike")


def _model_fk(**kwargs: Any) -> Any:
    return mapped_column(ForeignKey("taste_embedding_models.id", ondelete="CASCADE"), **kwargs)


class EmbeddingModel(Base):
    """A named, versioned embedding space of fixed dimension; each has its own HNSW index."""

    __tablename__ = "taste_embedding_models"
    __table_args__ = (
        UniqueConstraint("id", "dimension"),
        CheckConstraint(f"dimension between 1 and {MAX_DIMENSION}", name="dimension"),
        CheckConstraint("name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'", name="name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    name: Mapped[str] = mapped_column(Text, unique=True)
    version: Mapped[str] = mapped_column(Text)
    dimension: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = now_column()


class TrackEmbedding(Base):
    """A track's vector in one model; (model_id, dimension) references the model, so a vector of
    another length cannot be stored."""

    __tablename__ = "taste_track_embeddings"
    __table_args__ = (
        PrimaryKeyConstraint("model_id", "track_id"),
        ForeignKeyConstraint(
            ["model_id", "dimension"],
            ["taste_embedding_models.id", "taste_embedding_models.dimension"],
            ondelete="CASCADE",
        ),
        CheckConstraint("vector_dims(embedding) = dimension", name="dimension"),
        Index("ix_taste_track_embeddings_track_id", "track_id"),
    )

    model_id: Mapped[uuid.UUID]
    track_id: Mapped[uuid.UUID] = track_ref()
    dimension: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[Any] = mapped_column(Vector())
    updated_at: Mapped[datetime] = now_column()


class UserVector(Base):
    """A user's taste in one model: the decayed weighted sum of what they played, liked, skipped
    and disliked, kept at `reference_at` (see taste/vectors.py)."""

    __tablename__ = "taste_user_vectors"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "model_id"),
        CheckConstraint("vector_dims(vector) = dimension", name="dimension"),
        CheckConstraint("source in ('listens', 'profile')", name="source"),
    )

    user_id: Mapped[uuid.UUID] = user_ref()
    model_id: Mapped[uuid.UUID] = _model_fk()
    dimension: Mapped[int] = mapped_column(Integer)
    vector: Mapped[Any] = mapped_column(Vector())  # sum of decayed weight x embedding
    weight: Mapped[float] = mapped_column(Double)  # sum of decayed |weight|: vector/weight = mean
    reference_at: Mapped[datetime]  # the time the decay of `vector` and `weight` is taken at
    events: Mapped[int] = mapped_column(Integer, server_default="0")
    source: Mapped[str] = mapped_column(Text, server_default="listens")
    recomputed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = now_column()


class TasteProfile(Base):
    """What a user said they like at onboarding (the seed's preferences_profile)."""

    __tablename__ = "taste_profiles"
    __table_args__ = (
        CheckConstraint("tempo_min is null or tempo_min > 0", name="tempo_min"),
        CheckConstraint(
            "tempo_max is null or tempo_min is null or tempo_max >= tempo_min", name="tempo_range"
        ),
        CheckConstraint("bass_level in ('low', 'medium', 'high')", name="bass_level"),
    )

    user_id: Mapped[uuid.UUID] = user_ref(primary_key=True)
    genres: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    favourite_artists: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]")
    )
    vibe: Mapped[str | None] = mapped_column(Text)
    bass_level: Mapped[str | None] = mapped_column(Text)
    tempo_min: Mapped[float | None]
    tempo_max: Mapped[float | None]
    explicit_lyrics: Mapped[bool] = mapped_column(server_default="true")
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class TasteEvent(Base):
    """A listen, like or dislike (or its removal: a retraction of the same weight and time)
    waiting to be folded into the user's taste vectors; written by triggers on listening and
    library tables."""

    __tablename__ = "taste_events"
    __table_args__ = (
        CheckConstraint("kind in ('listen', 'like', 'dislike')", name="kind"),
        Index("ix_taste_events_user_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    user_id: Mapped[uuid.UUID] = user_ref()
    track_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Double)
    occurred_at: Mapped[datetime]
    retraction: Mapped[bool] = mapped_column(server_default="false")


class Station(Base):
    """A radio station: where it started and where it is steering now."""

    __tablename__ = "taste_stations"
    __table_args__ = (
        CheckConstraint("seed_kind in ('track', 'artist', 'taste')", name="seed_kind"),
        CheckConstraint("vector_dims(seed_vector) = vector_dims(vector)", name="dimension"),
        Index("ix_taste_stations_user_newest", "user_id", text("created_at desc")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = user_ref()
    model_id: Mapped[uuid.UUID] = _model_fk()
    seed_kind: Mapped[str] = mapped_column(Text)
    seed_ref: Mapped[str | None] = mapped_column(Text)  # the track id or artist name
    seed_vector: Mapped[Any] = mapped_column(Vector())
    vector: Mapped[Any] = mapped_column(Vector())  # where the station points now
    played: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class StationTrack(Base):
    """A track a station has handed out (never handed out twice)."""

    __tablename__ = "taste_station_tracks"
    __table_args__ = (PrimaryKeyConstraint("station_id", "track_id"),)

    station_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("taste_stations.id", ondelete="CASCADE")
    )
    track_id: Mapped[uuid.UUID] = track_ref()
    position: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = now_column()


class RecallMeasurement(Base):
    """The recall monitor's latest answer for a model: HNSW against exact search."""

    __tablename__ = "taste_recall"

    model_id: Mapped[uuid.UUID] = _model_fk(primary_key=True)
    recall_at_10: Mapped[float] = mapped_column(Double)
    queries: Mapped[int] = mapped_column(Integer)
    ef_search: Mapped[int] = mapped_column(Integer)
    measured_at: Mapped[datetime] = now_column()
