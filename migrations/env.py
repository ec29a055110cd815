"""Alembic environment: migrations run as the owner, over psycopg 3."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool

from backbeat import models
from backbeat.config import Settings
from backbeat.embedded import resolve_urls, sqlalchemy_url

IGNORED_TABLE_PREFIXES = ("procrastinate_", "listening_listens_p")
"""Tables created by SQL inside our migrations: libraries' own, and the monthly partitions of
listening_listens (made by listening_ensure_partitions, so no model names them)."""
IGNORED_INDEX_PREFIXES = ("ix_taste_model_",)
"""Each embedding model's partial HNSW index, made by taste_register_model when it registers."""


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave library-owned tables out of autogenerate and `alembic check`."""
    if type_ == "table" and name is not None:
        return not name.startswith(IGNORED_TABLE_PREFIXES)
    if type_ == "index" and name is not None:
        return not name.startswith(IGNORED_INDEX_PREFIXES)
    return True


def owner_url() -> str:
    """The URL passed in by the caller (tests, CLI), else the configured one."""
    url = context.config.attributes.get("url")
    return str(url) if url else resolve_urls(Settings()).owner


def run_migrations_online() -> None:
    """Apply migrations in one transaction."""
    engine = create_engine(sqlalchemy_url(owner_url()), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=models.metadata,
            include_name=include_name,
            compare_type=True,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
