"""Media links: which of a track's bpm, key and duration audio analysis filled, and a lookup
from an audio object to the tracks that use it.

Revision ID: 20261122_media_links
Revises: 20261122_media
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_media_links"
down_revision: str | None = "20261122_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "catalog_tracks",
        sa.Column(
            "analysis_filled",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_catalog_tracks_audio_object_id",
        "catalog_tracks",
        ["audio_object_id"],
        unique=False,
        postgresql_where=sa.text("audio_object_id is not null"),
    )
    # The owner's PATCH clears a field's mark when they set the field themselves.
    op.execute(
        "grant insert (analysis_filled), update (analysis_filled) on catalog_tracks to backbeat_user"
    )


def downgrade() -> None:
    op.drop_index("ix_catalog_tracks_audio_object_id", table_name="catalog_tracks")
    op.drop_column("catalog_tracks", "analysis_filled")
