"""Library tables: likes, dislikes, follows and their counts, playlists, items, members.

Row-level security and the follower-count trigger are in the migration
(2026-12-03_listening.py); these models are what Alembic compares.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.columns import now_column, track_ref, user_ref
from backbeat.db import Base
from backbeat.identity.models import uuid7

FOLLOW_KINDS = ("user", "creator", "band")


class Like(Base):
    """A track in a user's library ("liked songs")."""

    __tablename__ = "library_likes"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "track_id"),
        Index("ix_library_likes_user_newest", "user_id", text("liked_at desc"), "track_id"),
        Index("ix_library_likes_track_id", "track_id"),
    )

    user_id: Mapped[uuid.UUID] = user_ref()
    track_id: Mapped[uuid.UUID] = track_ref()
    liked_at: Mapped[datetime] = now_column()


class Dislike(Base):
    """A track the user does not want recommended (a like and a dislike exclude each other)."""

    __tablename__ = "library_dislikes"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "track_id"),
        Index("ix_library_dislikes_track_id", "track_id"),
    )

    user_id: Mapped[uuid.UUID] = user_ref()
    track_id: Mapped[uuid.UUID] = track_ref()
    disliked_at: Mapped[datetime] = now_column()


class Follow(Base):
    """A user following another user (`user`), a creator's releases (`creator`) or a band
    (`band`, taste's). The target is checked by a trigger, not a foreign key, since a band is not
    a user (2026-12-03_generations.py)."""

    __tablename__ = "library_follows"
    __table_args__ = (
        PrimaryKeyConstraint("follower_id", "kind", "target_id"),
        CheckConstraint("kind in ('user', 'creator', 'band')", name="kind"),
        CheckConstraint("follower_id <> target_id", name="not_self"),
        Index("ix_library_follows_target", "kind", "target_id", text("followed_at desc")),
        Index("ix_library_follows_follower_newest", "follower_id", text("followed_at desc")),
    )

    follower_id: Mapped[uuid.UUID] = user_ref()
    kind: Mapped[str] = mapped_column(Text)
    target_id: Mapped[uuid.UUID]
    followed_at: Mapped[datetime] = now_column()


class FollowCount(Base):
    """Followers of one target, kept by a trigger on library_follows in the same transaction."""

    __tablename__ = "library_follow_counts"
    __table_args__ = (
        PrimaryKeyConstraint("kind", "target_id"),
        CheckConstraint("followers >= 0", name="followers"),
    )

    kind: Mapped[str] = mapped_column(Text)
    target_id: Mapped[uuid.UUID]
    followers: Mapped[int] = mapped_column(Integer, server_default="0")


class Playlist(Base):
    """An ordered list of catalog tracks; collaborative ones let members add and move items."""

    __tablename__ = "library_playlists"
    __table_args__ = (
        Index("ix_library_playlists_owner_newest", "owner_id", text("created_at desc"), "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    owner_id: Mapped[uuid.UUID] = user_ref()
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default="")
    is_public: Mapped[bool] = mapped_column(server_default="false")
    collaborative: Mapped[bool] = mapped_column(server_default="false")
    cover_object_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class PlaylistItem(Base):
    """One track at one place: `position` is a fractional key (ordered bytewise, "C")."""

    __tablename__ = "library_playlist_items"
    __table_args__ = (
        UniqueConstraint(
            "playlist_id",
            "position",
            name="uq_library_playlist_items_position",
            deferrable=True,
            initially="IMMEDIATE",
        ),
        CheckConstraint("position ~ '^[0-9A-Za-z]+$'", name="position"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    playlist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("library_playlists.id", ondelete="CASCADE")
    )
    position: Mapped[str] = mapped_column(Text(collation="C"))
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id"))
    added_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_users.id", ondelete="SET NULL")
    )
    added_at: Mapped[datetime] = now_column()


class PlaylistMember(Base):
    """A collaborator of a playlist."""

    __tablename__ = "library_playlist_members"
    __table_args__ = (
        PrimaryKeyConstraint("playlist_id", "user_id"),
        Index("ix_library_playlist_members_user_id", "user_id"),
    )

    playlist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("library_playlists.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = user_ref()
    added_at: Mapped[datetime] = now_column()
