"""Listening tables: listens (partitioned by month), playing now, imports, plays per day.

Row-level security, the partition function and the monthly partitions are in the migration
(2026-12-03_listening.py); these models are what Alembic compares.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.columns import now_column, one_of, user_ref
from backbeat.db import Base
from backbeat.identity.models import uuid7

PLATFORMS = ("backbeat", "listenbrainz", "spotify", "apple", "youtube")
IMPORT_FORMATS = ("listenbrainz", "spotify")
IMPORT_STATUSES = ("queued", "running", "done", "failed")


class Listen(Base):
    """One play of a track by a user; partitioned by month of `listened_at`."""

    __tablename__ = "listening_listens"
    __table_args__ = (
        PrimaryKeyConstraint("id", "listened_at"),
        UniqueConstraint(
            "user_id", "listened_at", "recording_msid", name="uq_listening_listens_same"
        ),
        CheckConstraint(one_of("platform", PLATFORMS), name="platform"),
        CheckConstraint("ms_played is null or ms_played >= 0", name="ms_played"),
        CheckConstraint("duration_ms is null or duration_ms > 0", name="duration_ms"),
        Index("ix_listening_listens_user_newest", "user_id", text("listened_at desc"), "id"),
        Index(
            "ix_listening_listens_track",
            "track_id",
            "listened_at",
            postgresql_where=text("track_id is not null"),
        ),
        {"postgresql_partition_by": "RANGE (listened_at)"},
    )

    id: Mapped[uuid.UUID] = mapped_column(default=uuid7)
    user_id: Mapped[uuid.UUID] = user_ref()
    listened_at: Mapped[datetime]
    artist_name: Mapped[str] = mapped_column(Text)
    track_name: Mapped[str] = mapped_column(Text)
    release_name: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    ms_played: Mapped[int | None] = mapped_column(Integer)
    skipped: Mapped[bool] = mapped_column(server_default="false")
    recording_msid: Mapped[uuid.UUID]  # the text's identity: uuid5 of normalised artist + title
    recording_mbid: Mapped[uuid.UUID | None]
    isrc: Mapped[str | None] = mapped_column(Text)
    spotify_id: Mapped[str | None] = mapped_column(Text)
    track_id: Mapped[uuid.UUID | None]  # the matched catalog track (no FK: partitions stay cheap)
    client: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(Text, server_default="backbeat")
    additional_info: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    inserted_at: Mapped[datetime] = now_column()


class PlayingNow(Base):
    """What a user plays right now, kept for the track's duration (not a listen)."""

    __tablename__ = "listening_playing_now"

    user_id: Mapped[uuid.UUID] = user_ref(primary_key=True)
    track_metadata: Mapped[dict[str, Any]] = mapped_column(JSONB)
    started_at: Mapped[datetime] = now_column()
    expires_at: Mapped[datetime]


class ListenImport(Base):
    """One uploaded export and what importing it did (counts, progress, status)."""

    __tablename__ = "listening_imports"
    __table_args__ = (
        CheckConstraint(one_of("format", IMPORT_FORMATS), name="format"),
        CheckConstraint(one_of("status", IMPORT_STATUSES), name="status"),
        Index("ix_listening_imports_user_newest", "user_id", text("created_at desc"), "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = user_ref()
    format: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="queued")
    rows_read: Mapped[int] = mapped_column(Integer, server_default="0")
    imported: Mapped[int] = mapped_column(Integer, server_default="0")
    duplicates: Mapped[int] = mapped_column(Integer, server_default="0")
    refused: Mapped[int] = mapped_column(Integer, server_default="0")
    skipped: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ImportRefusal(Base):
    """A row of an export that could not be read, where it was and why."""

    __tablename__ = "listening_import_refusals"
    __table_args__ = (PrimaryKeyConstraint("import_id", "seq"),)

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listening_imports.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class ImportFile(Base):
    """The uploaded bytes, kept until the import job has read them."""

    __tablename__ = "listening_import_files"

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listening_imports.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[bytes] = mapped_column(LargeBinary)


class TrackPlaysDaily(Base):
    """Plays and unique listeners of a catalog track per UTC day, kept by the plays job."""

    __tablename__ = "listening_track_plays_daily"
    __table_args__ = (
        PrimaryKeyConstraint("track_id", "day"),
        Index("ix_listening_track_plays_daily_day", "day", "track_id"),
    )

    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id", ondelete="CASCADE"))
    day: Mapped[date]
    plays: Mapped[int] = mapped_column(Integer, server_default="0")
    listeners: Mapped[int] = mapped_column(Integer, server_default="0")


class TrackListenerDaily(Base):
    """Who played a track on a day (so unique listeners count exactly, incrementally); read by
    the job and by definer functions only, never by API roles."""

    __tablename__ = "listening_track_listeners_daily"
    __table_args__ = (PrimaryKeyConstraint("track_id", "day", "user_id"),)

    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id", ondelete="CASCADE"))
    day: Mapped[date]
    user_id: Mapped[uuid.UUID] = user_ref()


class PlaysCursor(Base):
    """How far the plays job has counted: listens with ids up to `last_id` are in the tables."""

    __tablename__ = "listening_plays_cursor"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    last_id: Mapped[uuid.UUID]
    updated_at: Mapped[datetime] = now_column()
