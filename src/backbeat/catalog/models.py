"""Catalog tables: tracks, payees, versioned split sheets, credits, lineage, presets, history.

Row-level security, the search vector, the split-sum trigger and the seed-compatibility view are
in the migration (2026-11-22_catalog.py); these models are what Alembic compares.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.columns import now_column, one_of
from backbeat.db import Base
from backbeat.identity.models import uuid7

SEARCH_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, artist), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, catalog_tags_text(tags)), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'D')"
)
SAMPLE_TYPES = (
    "vocals",
    "beats",
    "full_backing_track",
    "leads_and_tops",
    "instrumental",
    "song",
    "stem",
    "other",
)
ROLES = (
    "composer",
    "lyricist",
    "composer_lyricist",
    "arranger",
    "producer",
    "performer",
    "engineer",
    "publisher",
    "label",
    "other",
)


class Track(Base):
    """A song, loop, sample, stem, master or generated track; soft-deleted, never removed."""

    __tablename__ = "catalog_tracks"
    __table_args__ = (
        CheckConstraint(one_of("sample_type", SAMPLE_TYPES), name="sample_type"),
        CheckConstraint(one_of("visibility", ("public", "unlisted", "private")), name="visibility"),
        CheckConstraint(
            "stem_type is null or "
            + one_of("stem_type", ("vocals", "drums", "bass", "harmonic", "other")),
            name="stem_type",
        ),
        CheckConstraint("bpm is null or (bpm > 0 and bpm < 1000)", name="bpm"),
        CheckConstraint("duration_seconds is null or duration_seconds >= 0", name="duration"),
        Index("ix_catalog_tracks_search", "search", postgresql_using="gin"),
        Index("ix_catalog_tracks_tags", "tags", postgresql_using="gin"),
        Index("ix_catalog_tracks_created_by_sample_type", "created_by", "sample_type"),
        Index(
            "ix_catalog_tracks_public_newest",
            text("created_at desc"),
            text("id desc"),
            postgresql_where=text("visibility = 'public' and deleted_at is null"),
        ),
        Index(
            "ix_catalog_tracks_public_title",
            "title",
            "id",
            postgresql_where=text("visibility = 'public' and deleted_at is null"),
        ),
        Index(
            "ix_catalog_tracks_public_bpm",
            text("coalesce(bpm, 'Infinity'::double precision)"),
            "id",
            postgresql_where=text("visibility = 'public' and deleted_at is null"),
        ),
        UniqueConstraint("created_by", "import_key"),
        Index(
            "ix_catalog_tracks_audio_object_id",
            "audio_object_id",
            postgresql_where=text("audio_object_id is not null"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(Text)
    artist: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    sample_type: Mapped[str] = mapped_column(Text)
    loop_category: Mapped[str | None] = mapped_column(Text)
    bpm: Mapped[float | None]
    key: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[float | None]
    isrc: Mapped[str | None] = mapped_column(Text)
    iswc: Mapped[str | None] = mapped_column(Text)
    license_derivatives: Mapped[bool] = mapped_column(server_default="true")
    license_commercial: Mapped[bool] = mapped_column(server_default="false")
    license_attribution: Mapped[bool] = mapped_column(server_default="true")
    social_urls: Mapped[dict[str, str]] = mapped_column(JSONB, server_default="{}")
    visibility: Mapped[str] = mapped_column(Text, server_default="public")
    stem_type: Mapped[str | None] = mapped_column(Text)
    cover_object_id: Mapped[uuid.UUID | None]
    audio_object_id: Mapped[uuid.UUID | None]
    analysis_filled: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]")
    )  # bpm, key, duration_seconds as filled by audio analysis (the owner set the others)
    import_key: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_users.id"))
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()
    deleted_at: Mapped[datetime | None]
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(SEARCH_VECTOR, persisted=True))


class TrackContact(Base):
    """A track's contact info, in its own table so that only the owner's policy can read it."""

    __tablename__ = "catalog_track_contacts"

    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id"), primary_key=True)
    contact_info: Mapped[dict[str, str]] = mapped_column(JSONB, server_default="{}")


class Payee(Base):
    """Who a share is paid to: a user, or a wallet that the user who proves it later owns."""

    __tablename__ = "catalog_payees"
    __table_args__ = (CheckConstraint("num_nonnulls(user_id, wallet) = 1", name="user_or_wallet"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_users.id"), unique=True)
    wallet: Mapped[str | None] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = now_column()


class SplitVersion(Base):
    """One immutable version of a track's composition or production sheet."""

    __tablename__ = "catalog_split_versions"
    __table_args__ = (
        UniqueConstraint("track_id", "sheet", "version"),
        CheckConstraint(one_of("sheet", ("composition", "production")), name="sheet"),
        CheckConstraint(one_of("status", ("active", "pending", "superseded")), name="status"),
        Index(
            "ix_catalog_split_versions_in_force",
            "track_id",
            "sheet",
            text("effective_from desc"),
            text("version desc"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id"))
    sheet: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime]
    status: Mapped[str] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_users.id"))
    created_at: Mapped[datetime] = now_column()


class SplitEntry(Base):
    """One line of a sheet version: payee, role and share in parts per million."""

    __tablename__ = "catalog_split_entries"
    __table_args__ = (
        PrimaryKeyConstraint("version_id", "position"),
        UniqueConstraint("version_id", "payee_id"),
        CheckConstraint("share_ppm > 0 and share_ppm <= 1000000", name="share_ppm"),
        CheckConstraint(one_of("role", ROLES), name="role"),
    )

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_split_versions.id"))
    position: Mapped[int] = mapped_column(Integer)
    payee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_payees.id"), index=True)
    role: Mapped[str] = mapped_column(Text)
    share_ppm: Mapped[int] = mapped_column(Integer)


class SplitApproval(Base):
    """A user payee's consent to a pending version (when consent is required)."""

    __tablename__ = "catalog_split_approvals"
    __table_args__ = (PrimaryKeyConstraint("version_id", "user_id"),)

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_split_versions.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_users.id"))
    approved_at: Mapped[datetime] = now_column()


class Credit(Base):
    """A non-monetary contributor (a session musician without a share)."""

    __tablename__ = "catalog_credits"
    __table_args__ = (
        PrimaryKeyConstraint("track_id", "position"),
        CheckConstraint(one_of("role", ROLES), name="role"),
    )

    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_users.id"))


class LineageEdge(Base):
    """Child derives from parent; money kinds carry the parent's share of the child's revenue."""

    __tablename__ = "catalog_lineage_edges"
    __table_args__ = (
        PrimaryKeyConstraint("child_id", "parent_id"),
        CheckConstraint("child_id <> parent_id", name="not_self"),
        CheckConstraint(
            one_of("kind", ("remix", "sample", "interpolation", "stem_of", "generated_from")),
            name="kind",
        ),
        CheckConstraint(
            "(kind = 'stem_of' and share_ppm is null) or "
            "(kind = 'generated_from' and share_ppm >= 0 and share_ppm <= 1000000) or "
            "(kind not in ('stem_of', 'generated_from') and share_ppm > 0 "
            "and share_ppm <= 1000000)",
            name="share_ppm",
        ),
        Index("ix_catalog_lineage_edges_parent_id_kind", "parent_id", "kind"),
    )

    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id"))
    parent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id"))
    kind: Mapped[str] = mapped_column(Text)
    share_ppm: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_users.id"))
    created_at: Mapped[datetime] = now_column()


class SplitPreset(Base):
    """A user's named split, one of a few numbered slots (the slot makes the limit race-free)."""

    __tablename__ = "catalog_split_presets"
    __table_args__ = (
        UniqueConstraint("user_id", "slot"),
        UniqueConstraint("user_id", "name"),
        CheckConstraint("slot between 1 and 100", name="slot"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_users.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = now_column()


class TrackHistory(Base):
    """Audit: who changed a track's rights, a sheet or an edge, when, before and after."""

    __tablename__ = "catalog_track_history"
    __table_args__ = (Index("ix_catalog_track_history_track_id_id", "track_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id"))
    actor_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    at: Mapped[datetime] = now_column()
