"""What users create with the generators: generations (jobs with provenance), the daily count of
them, and bands of generated tracks with their style.

Row-level security, the counting function and the count triggers are in the migration
(2026-12-03_generations.py); these models are what Alembic compares.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.columns import now_column, one_of, user_ref
from backbeat.db import Base
from backbeat.identity.models import uuid7
from backbeat.taste.generators import MODES

STATUSES = ("queued", "generating", "completed", "failed")


class Generation(Base):
    """One request to a generator, its job's state and, when done, the track it made.

    The prompt itself is kept only until the job has run (then erased); its sha256 stays, as
    provenance that can be shown without showing what the user typed."""

    __tablename__ = "taste_generations"
    __table_args__ = (
        CheckConstraint(one_of("mode", MODES), name="mode"),
        CheckConstraint(one_of("status", STATUSES), name="status"),
        CheckConstraint("duration_seconds > 0 and duration_seconds <= 600", name="duration"),
        CheckConstraint(
            "num_nonnulls(source_track_id, source_external_id) <= 1", name="one_source"
        ),
        CheckConstraint("match_percent is null or match_percent between 0 and 100", name="match"),
        CheckConstraint(
            "(status = 'completed') = (track_id is not null)", name="track_when_completed"
        ),
        Index("ix_taste_generations_user_newest", "user_id", text("id desc")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = user_ref()
    mode: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="queued")
    source_track_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_tracks.id"))
    source_external_id: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[float] = mapped_column(Float)
    prompt: Mapped[str | None] = mapped_column(Text)
    prompt_sha256: Mapped[str | None] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(BigInteger)
    generator: Mapped[str] = mapped_column(Text)
    generator_version: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    influences: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    track_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_tracks.id"))
    explanation: Mapped[str | None] = mapped_column(Text)
    match_percent: Mapped[int | None] = mapped_column(SmallInteger)
    error: Mapped[str | None] = mapped_column(Text)
    quota_day: Mapped[date]
    created_at: Mapped[datetime] = now_column()
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class GenerationDay(Base):
    """How many generations a user took on one UTC day: a new day is a new row, so the count
    resets at midnight without a job."""

    __tablename__ = "taste_generation_days"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "day"),
        CheckConstraint("used >= 0", name="used"),
    )

    user_id: Mapped[uuid.UUID] = user_ref()
    day: Mapped[date]
    used: Mapped[int] = mapped_column(Integer, server_default="0")


class Band(Base):
    """A user's group of generated tracks, with a style (the mean of their embeddings in one
    model) and counts kept by triggers."""

    __tablename__ = "taste_bands"
    __table_args__ = (
        CheckConstraint("track_count >= 0 and follower_count >= 0", name="counts"),
        CheckConstraint("style_count >= 0", name="style_count"),
        CheckConstraint(
            "(style_count = 0) = (style_vector is null)", name="style_vector_when_counted"
        ),
        Index("ix_taste_bands_owner_id", "owner_id"),
        Index(
            "ix_taste_bands_public_style",
            "style_model_id",
            postgresql_where=text("is_public and style_vector is not null"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    owner_id: Mapped[uuid.UUID] = user_ref()
    name: Mapped[str] = mapped_column(Text)
    bio: Mapped[str] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(server_default="false")
    style_model_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("taste_embedding_models.id", ondelete="SET NULL")
    )
    style_vector: Mapped[Any | None] = mapped_column(Vector())
    style_count: Mapped[int] = mapped_column(Integer, server_default="0")
    track_count: Mapped[int] = mapped_column(Integer, server_default="0")
    follower_count: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class BandTrack(Base):
    """A generated track in a band, with the embedding it added to the band's style (so taking
    it out subtracts exactly what it added)."""

    __tablename__ = "taste_band_tracks"
    __table_args__ = (
        PrimaryKeyConstraint("band_id", "track_id"),
        Index("ix_taste_band_tracks_track_id", "track_id"),
    )

    band_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("taste_bands.id", ondelete="CASCADE"))
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id", ondelete="CASCADE"))
    embedding: Mapped[Any | None] = mapped_column(Vector())
    added_at: Mapped[datetime] = now_column()
