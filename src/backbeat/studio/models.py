"""Studio tables: projects, members and invitations, history, snapshots, files, bounces,
presence, plugin presets and Mixx Recall.

Row-level security (members only) and the helper functions its policies call are in the migration
(2026-12-03_studio.py); these models are what Alembic compares.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.db import Base

MEMBER_ROLES = ("editor", "viewer")
INVITATION_STATES = ("pending", "accepted", "declined", "revoked")
SNAPSHOT_KINDS = ("manual", "milestone", "auto")
RECALL_CATEGORIES = ("tempo", "key", "genre", "plugin", "loudness", "workflow")
NULLABLE_JSON = JSONB(none_as_null=True)
"""Python None is SQL NULL here (SQLAlchemy's default would store a JSON null)."""


def _user_fk(**kwargs: Any) -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("identity_users.id", ondelete="CASCADE"), **kwargs)


def _project_fk(**kwargs: Any) -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("studio_projects.id", ondelete="CASCADE"), **kwargs)


def _now() -> Mapped[datetime]:
    return mapped_column(server_default=func.now())


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} in ('" + "', '".join(values) + "')", name=f"{column}_known")


class Project(Base):
    """A DAW project: its musical and mix context, and the head of its document."""

    __tablename__ = "studio_projects"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("bpm > 0 and bpm < 1000", name="bpm_range"),
        Index("ix_studio_projects_owner_id_updated_at", "owner_id", "updated_at"),
        Index("ix_studio_projects_tags", "tags", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    owner_id: Mapped[uuid.UUID] = _user_fk()
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    bpm: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    key: Mapped[str | None] = mapped_column(Text)
    time_signature: Mapped[str] = mapped_column(Text, server_default="4/4")
    sample_rate: Mapped[int] = mapped_column(Integer, server_default="44100")
    bit_depth: Mapped[int] = mapped_column(SmallInteger, server_default="24")
    target_lufs: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    current_lufs: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    dynamic_range: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    genre: Mapped[str | None] = mapped_column(Text)
    mood: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    document_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    last_opened_at: Mapped[datetime | None]
    last_saved_at: Mapped[datetime] = _now()


class ProjectMember(Base):
    """A collaborator other than the owner (the owner is the project's owner_id)."""

    __tablename__ = "studio_project_members"
    __table_args__ = (_one_of("role", MEMBER_ROLES),)

    project_id: Mapped[uuid.UUID] = _project_fk(primary_key=True)
    user_id: Mapped[uuid.UUID] = _user_fk(primary_key=True, index=True)
    role: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = _now()


class ProjectInvitation(Base):
    """An owner's invitation, which the invitee accepts to become a member."""

    __tablename__ = "studio_project_invitations"
    __table_args__ = (
        _one_of("role", MEMBER_ROLES),
        _one_of("status", INVITATION_STATES),
        CheckConstraint(
            "(invitee_id is null) <> (invitee_email is null) or status = 'accepted'",
            name="one_invitee",
        ),
        Index(
            "uq_studio_project_invitations_pending_user",
            "project_id",
            "invitee_id",
            unique=True,
            postgresql_where=text("status = 'pending' and invitee_id is not null"),
        ),
        Index(
            "uq_studio_project_invitations_pending_email",
            "project_id",
            "invitee_email",
            unique=True,
            postgresql_where=text("status = 'pending' and invitee_email is not null"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    project_id: Mapped[uuid.UUID] = _project_fk()
    project_name: Mapped[str] = mapped_column(Text)  # the invitee cannot read the project yet
    invitee_id: Mapped[uuid.UUID | None] = _user_fk(index=True)
    invitee_email: Mapped[str | None] = mapped_column(Text)  # lower case; matched when verified
    invited_by: Mapped[uuid.UUID] = _user_fk()
    role: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    created_at: Mapped[datetime] = _now()
    responded_at: Mapped[datetime | None]


class ProjectVersion(Base):
    """One save: the JSON Patch from its predecessor; a checkpoint holds the whole document."""

    __tablename__ = "studio_project_versions"
    __table_args__ = (
        CheckConstraint("version = 1 or patch is not null", name="patch_after_first"),
        CheckConstraint("patch is not null or checkpoint is not null", name="rebuildable"),
        Index(
            "ix_studio_project_versions_checkpoints",
            "project_id",
            "version",
            postgresql_where=text("checkpoint is not null"),
        ),
    )

    project_id: Mapped[uuid.UUID] = _project_fk(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_users.id", ondelete="SET NULL")
    )
    device_id: Mapped[str | None] = mapped_column(Text)
    patch: Mapped[list[dict[str, Any]] | None] = mapped_column(NULLABLE_JSON)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(NULLABLE_JSON)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    patch_bytes: Mapped[int] = mapped_column(BigInteger)
    merged: Mapped[bool] = mapped_column(server_default="false")
    restored_from: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = _now()


class ProjectSnapshot(Base):
    """A named point in history (manual, milestone or auto), optionally with a bounce's audio."""

    __tablename__ = "studio_project_snapshots"
    __table_args__ = (
        _one_of("kind", SNAPSHOT_KINDS),
        Index("ix_studio_project_snapshots_project_id_created_at", "project_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    project_id: Mapped[uuid.UUID] = _project_fk()
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    audio_object_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("media_objects.id", ondelete="SET NULL")
    )
    audio_analysis: Mapped[dict[str, Any] | None] = mapped_column(NULLABLE_JSON)
    musical_context: Mapped[dict[str, Any] | None] = mapped_column(NULLABLE_JSON)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _now()


class ProjectFile(Base):
    """A media object (project-audio bucket) linked to a project."""

    __tablename__ = "studio_project_files"

    project_id: Mapped[uuid.UUID] = _project_fk(primary_key=True)
    object_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("media_objects.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_users.id", ondelete="SET NULL")
    )
    added_at: Mapped[datetime] = _now()


class Bounce(Base):
    """A catalog track bounced from a project version: where the track came from."""

    __tablename__ = "studio_bounces"

    track_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_tracks.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[uuid.UUID] = _project_fk(index=True)
    version: Mapped[int] = mapped_column(Integer)
    bounced_by: Mapped[uuid.UUID] = _user_fk()
    created_at: Mapped[datetime] = _now()


class Presence(Base):
    """A device on a project's live socket (the seed's session_states), refreshed by heartbeats."""

    __tablename__ = "studio_presence"

    project_id: Mapped[uuid.UUID] = _project_fk(primary_key=True)
    user_id: Mapped[uuid.UUID] = _user_fk(primary_key=True)
    device_id: Mapped[str] = mapped_column(Text, primary_key=True)
    cursor_seconds: Mapped[float | None] = mapped_column(Float)
    view_state: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    active_tool: Mapped[str | None] = mapped_column(Text)
    joined_at: Mapped[datetime] = _now()
    last_seen_at: Mapped[datetime] = _now()


class PluginPreset(Base):
    """A plugin's saved parameters: a user's own, public, or a system preset (no owner)."""

    __tablename__ = "studio_plugin_presets"
    __table_args__ = (
        CheckConstraint("is_system = (user_id is null)", name="system_has_no_owner"),
        Index("ix_studio_plugin_presets_plugin_type_id", "plugin_type", "id"),
        Index("ix_studio_plugin_presets_tags", "tags", postgresql_using="gin"),
        Index("ix_studio_plugin_presets_user_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    user_id: Mapped[uuid.UUID | None] = _user_fk()
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    plugin_type: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    is_public: Mapped[bool] = mapped_column(server_default="false")
    is_system: Mapped[bool] = mapped_column(server_default="false")
    usage_count: Mapped[int] = mapped_column(Integer, server_default="0")
    last_used_at: Mapped[datetime | None]
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class RecallObservation(Base):
    """Something a user did that Mixx Recall learns from, waiting for the learning job."""

    __tablename__ = "studio_recall_observations"
    __table_args__ = (_one_of("category", RECALL_CATEGORIES),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = _user_fk(index=True)
    category: Mapped[str] = mapped_column(Text)
    value: Mapped[Any] = mapped_column(JSONB)
    evidence: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[datetime] = _now()


class RecallSuggestion(Base):
    """A learned preference (the seed's mixx_recall): value, weight with decay, its evidence."""

    __tablename__ = "studio_recall"
    __table_args__ = (
        _one_of("category", RECALL_CATEGORIES),
        UniqueConstraint("user_id", "category", "value_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    user_id: Mapped[uuid.UUID] = _user_fk()
    category: Mapped[str] = mapped_column(Text)
    value_key: Mapped[str] = mapped_column(Text)
    value: Mapped[Any] = mapped_column(JSONB)
    weight: Mapped[float] = mapped_column(Float)
    usage_count: Mapped[int] = mapped_column(Integer)
    last_used_at: Mapped[datetime]
    evidence: Mapped[list[str]] = mapped_column(ARRAY(Text))
    pinned: Mapped[bool] = mapped_column(server_default="false")
    forgotten_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class CollaborationSession(Base):
    """A working session on a project: who started it, when it ran, notes."""

    __tablename__ = "studio_collaboration_sessions"
    __table_args__ = (
        Index("ix_studio_collaboration_sessions_project_id_started_at", "project_id", "started_at"),
        Index(
            "uq_studio_collaboration_sessions_active",
            "project_id",
            unique=True,
            postgresql_where=text("ended_at is null"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    project_id: Mapped[uuid.UUID] = _project_fk()
    name: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[uuid.UUID] = _user_fk()
    started_at: Mapped[datetime] = _now()
    ended_at: Mapped[datetime | None]


class SessionParticipant(Base):
    """Someone in a collaboration session: their role then, when they joined and left."""

    __tablename__ = "studio_session_participants"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("studio_collaboration_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = _user_fk(primary_key=True)
    project_id: Mapped[uuid.UUID] = _project_fk(index=True)
    role: Mapped[str] = mapped_column(Text)
    joined_at: Mapped[datetime] = _now()
    left_at: Mapped[datetime | None]
