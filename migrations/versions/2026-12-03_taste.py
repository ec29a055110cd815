"""Taste: embedding models with one partial HNSW index each, track embeddings, user taste
vectors fed by triggers on listens, likes and dislikes, onboarding profiles, radio stations and
the recall monitor's measurements; row-level security on every table.

`taste_register_model(name, version, dimension, description)` (SECURITY DEFINER, owned by the
owner: the API role cannot create indexes) inserts a model and creates its index
`ix_taste_model_<id hex>` on `(embedding::vector(N)) vector_cosine_ops where model_id = <id>`.
`taste_nearest(model, query, fetch)` is the index's nearest-neighbour scan (the model id inlined,
so the partial index always applies, and `hnsw.ef_search` raised to the fetch size);
`taste_candidates(...)` refills it under filters until k rows are found, then falls back to an
exact scan, so a filtered query answers k rows whenever k exist.

Revision ID: 20261203_taste
Revises: 20261203_coins
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

revision: str = "20261203_taste"
down_revision: str | None = "20261203_coins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).with_name("2026-12-03_taste.sql")

TABLES = (
    "taste_recall",
    "taste_station_tracks",
    "taste_stations",
    "taste_events",
    "taste_profiles",
    "taste_user_vectors",
    "taste_track_embeddings",
    "taste_embedding_models",
)
FUNCTIONS = (
    "taste_candidates(uuid, vector, integer, uuid, uuid[], text, double precision, "
    "double precision, text, boolean, timestamptz)",
    "taste_nearest(uuid, vector, integer)",
    "taste_register_model(text, text, integer, text)",
    "taste_listen_weight(integer, integer, boolean)",
    "taste_like_weight()",
    "taste_dislike_weight()",
    "taste_user_events(uuid)",
    "taste_listens_changed()",
    "taste_likes_changed()",
    "taste_dislikes_changed()",
    "taste_audio_analysed()",
    "taste_track_audio_changed()",
    "taste_station_owner(uuid)",
    "taste_profile_tracks(uuid)",
    "taste_influences(uuid, uuid, double precision, integer)",
)
TRIGGERS = (
    ("taste_listens_added", "listening_listens"),
    ("taste_listens_removed", "listening_listens"),
    ("taste_likes_changed", "library_likes"),
    ("taste_dislikes_changed", "library_dislikes"),
    ("taste_audio_analysed", "media_audio_files"),
    ("taste_track_audio_changed", "catalog_tracks"),
)


def _now(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    name = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{name}"), ondelete=ondelete
    )


def create_embeddings() -> None:
    op.create_table(
        "taste_embedding_models",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        _now("created_at"),
        sa.CheckConstraint(
            "dimension between 1 and 2000", name=op.f("ck_taste_embedding_models_dimension")
        ),
        sa.CheckConstraint(
            "name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'", name=op.f("ck_taste_embedding_models_name")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taste_embedding_models")),
        sa.UniqueConstraint("id", "dimension", name=op.f("uq_taste_embedding_models_id_dimension")),
        sa.UniqueConstraint("name", name=op.f("uq_taste_embedding_models_name")),
    )
    op.create_table(
        "taste_track_embeddings",
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("embedding", Vector(), nullable=False),
        _now("updated_at"),
        sa.CheckConstraint(
            "vector_dims(embedding) = dimension", name=op.f("ck_taste_track_embeddings_dimension")
        ),
        sa.ForeignKeyConstraint(
            ["model_id", "dimension"],
            ["taste_embedding_models.id", "taste_embedding_models.dimension"],
            name=op.f("fk_taste_track_embeddings_model_id_dimension_taste_embedding_models"),
            ondelete="CASCADE",
        ),
        _fk("taste_track_embeddings", "track_id", "catalog_tracks.id"),
        sa.PrimaryKeyConstraint("model_id", "track_id", name=op.f("pk_taste_track_embeddings")),
    )
    op.create_index("ix_taste_track_embeddings_track_id", "taste_track_embeddings", ["track_id"])


def create_users() -> None:
    op.create_table(
        "taste_user_vectors",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("vector", Vector(), nullable=False),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.Column("reference_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), server_default="0", nullable=False),
        sa.Column("source", sa.Text(), server_default="listens", nullable=False),
        sa.Column("recomputed_at", sa.DateTime(timezone=True), nullable=True),
        _now("updated_at"),
        sa.CheckConstraint(
            "vector_dims(vector) = dimension", name=op.f("ck_taste_user_vectors_dimension")
        ),
        sa.CheckConstraint(
            "source in ('listens', 'profile')", name=op.f("ck_taste_user_vectors_source")
        ),
        _fk("taste_user_vectors", "user_id", "identity_users.id"),
        _fk("taste_user_vectors", "model_id", "taste_embedding_models.id"),
        sa.PrimaryKeyConstraint("user_id", "model_id", name=op.f("pk_taste_user_vectors")),
    )
    op.create_table(
        "taste_profiles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "genres",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column(
            "favourite_artists",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("vibe", sa.Text(), nullable=True),
        sa.Column("bass_level", sa.Text(), nullable=True),
        sa.Column("tempo_min", sa.Double(), nullable=True),
        sa.Column("tempo_max", sa.Double(), nullable=True),
        sa.Column("explicit_lyrics", sa.Boolean(), server_default="true", nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint(
            "tempo_min is null or tempo_min > 0", name=op.f("ck_taste_profiles_tempo_min")
        ),
        sa.CheckConstraint(
            "tempo_max is null or tempo_min is null or tempo_max >= tempo_min",
            name=op.f("ck_taste_profiles_tempo_range"),
        ),
        sa.CheckConstraint(
            "bass_level in ('low', 'medium', 'high')", name=op.f("ck_taste_profiles_bass_level")
        ),
        _fk("taste_profiles", "user_id", "identity_users.id"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_taste_profiles")),
    )
    op.create_table(
        "taste_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retraction", sa.Boolean(), server_default="false", nullable=False),
        sa.CheckConstraint(
            "kind in ('listen', 'like', 'dislike')", name=op.f("ck_taste_events_kind")
        ),
        _fk("taste_events", "user_id", "identity_users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taste_events")),
    )
    op.create_index("ix_taste_events_user_id", "taste_events", ["user_id", "id"])


def create_radio() -> None:
    op.create_table(
        "taste_stations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("seed_kind", sa.Text(), nullable=False),
        sa.Column("seed_ref", sa.Text(), nullable=True),
        sa.Column("seed_vector", Vector(), nullable=False),
        sa.Column("vector", Vector(), nullable=False),
        sa.Column("played", sa.Integer(), server_default="0", nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint(
            "seed_kind in ('track', 'artist', 'taste')", name=op.f("ck_taste_stations_seed_kind")
        ),
        sa.CheckConstraint(
            "vector_dims(seed_vector) = vector_dims(vector)",
            name=op.f("ck_taste_stations_dimension"),
        ),
        _fk("taste_stations", "user_id", "identity_users.id"),
        _fk("taste_stations", "model_id", "taste_embedding_models.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taste_stations")),
    )
    op.create_index(
        "ix_taste_stations_user_newest", "taste_stations", ["user_id", sa.text("created_at desc")]
    )
    op.create_table(
        "taste_station_tracks",
        sa.Column("station_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _now("added_at"),
        _fk("taste_station_tracks", "station_id", "taste_stations.id"),
        _fk("taste_station_tracks", "track_id", "catalog_tracks.id"),
        sa.PrimaryKeyConstraint("station_id", "track_id", name=op.f("pk_taste_station_tracks")),
    )
    op.create_table(
        "taste_recall",
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("recall_at_10", sa.Double(), nullable=False),
        sa.Column("queries", sa.Integer(), nullable=False),
        sa.Column("ef_search", sa.Integer(), nullable=False),
        _now("measured_at"),
        _fk("taste_recall", "model_id", "taste_embedding_models.id"),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_taste_recall")),
    )


def upgrade() -> None:
    create_embeddings()
    create_users()
    create_radio()
    op.execute(SQL.read_text())


def downgrade() -> None:
    for trigger, table in TRIGGERS:
        op.execute(f"drop trigger if exists {trigger} on {table}")
    for table in TABLES:
        op.drop_table(table)
    for function in FUNCTIONS:
        op.execute(f"drop function if exists {function}")
