"""Media tables: buckets, content-addressed blobs, objects, uploads and audio files."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.db import Base

UPLOAD_STATES = (
    "receiving",
    "analysing",
    "compressing",
    "storing",
    "finalising",
    "complete",
    "failed",
)
ANALYSIS_STATES = ("pending", "running", "complete", "failed")


class Bucket(Base):
    """A named place for objects: who may read it, how large a file may be, which types."""

    __tablename__ = "media_buckets"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    public: Mapped[bool]
    size_limit_bytes: Mapped[int] = mapped_column(BigInteger)
    allowed_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Blob(Base):
    """Stored bytes, by sha256; refcount counts the objects (and thumbnails) that use them."""

    __tablename__ = "media_blobs"

    sha256: Mapped[str] = mapped_column(Text, primary_key=True)
    refcount: Mapped[int] = mapped_column(Integer, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class MediaObject(Base):
    """A file in a bucket, at a path under its owner's folder, pointing at a blob."""

    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - SQLAlchemy reads it
    __tablename__ = "media_objects"
    __table_args__ = (
        UniqueConstraint("bucket", "path"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    bucket: Mapped[str] = mapped_column(ForeignKey("media_buckets.name"))
    path: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_users.id", ondelete="CASCADE"), index=True
    )
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(ForeignKey("media_blobs.sha256"), index=True)
    cid: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default="{}")
    thumbnail_sha256: Mapped[str | None] = mapped_column(ForeignKey("media_blobs.sha256"))
    upload_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("media_uploads.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Upload(Base):
    """One upload's journey: bytes received, then the pipeline's stages, then an object."""

    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - SQLAlchemy reads it
    __tablename__ = "media_uploads"
    __table_args__ = (
        CheckConstraint("state in ('" + "', '".join(UPLOAD_STATES) + "')", name="state_known"),
        CheckConstraint("progress between 0 and 100", name="progress_percent"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    bucket: Mapped[str] = mapped_column(ForeignKey("media_buckets.name"))
    path: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_users.id", ondelete="CASCADE"), index=True
    )
    protocol: Mapped[str] = mapped_column(Text)  # multipart | tus
    claimed_type: Mapped[str] = mapped_column(Text, server_default="")
    preset: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default="{}")
    length: Mapped[int | None] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, server_default="0")
    state: Mapped[str] = mapped_column(Text, server_default="receiving")
    progress: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    failure_code: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    object_id: Mapped[uuid.UUID | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AudioFile(Base):
    """An audio object's decoded facts and analysis (the MixClub seed's audio_files)."""

    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - SQLAlchemy reads it
    __tablename__ = "media_audio_files"
    __table_args__ = (
        CheckConstraint(
            "analysis_status in ('" + "', '".join(ANALYSIS_STATES) + "')",
            name="analysis_status_known",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    object_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("media_objects.id", ondelete="CASCADE"), unique=True
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_users.id", ondelete="CASCADE"), index=True
    )
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    bit_depth: Mapped[int | None] = mapped_column(SmallInteger)
    channels: Mapped[int | None] = mapped_column(SmallInteger)
    format: Mapped[str | None] = mapped_column(Text)
    loudness_lufs: Mapped[float | None] = mapped_column(Float)
    true_peak_dbtp: Mapped[float | None] = mapped_column(Float)
    bpm: Mapped[float | None] = mapped_column(Float)
    key: Mapped[str | None] = mapped_column(Text)
    waveform: Mapped[list[list[float]] | None] = mapped_column(JSONB)
    analysis_status: Mapped[str] = mapped_column(Text, server_default="pending")
    analysis_error: Mapped[str | None] = mapped_column(Text)
    parent_file_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("media_audio_files.id", ondelete="SET NULL")
    )
    stem_type: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
