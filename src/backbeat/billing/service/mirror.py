"""Mirroring provider objects: each row is written only by a newer version than it holds, so
events that arrive out of order never move it backwards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.models import Invoice, PaymentMethod, Refund, Subscription
from backbeat.billing.stripe_objects import Version

Mirrored = type[Subscription] | type[Invoice] | type[PaymentMethod] | type[Refund]


def older_than(table: Mirrored, created: Any, event_id: Any) -> ColumnElement[bool]:
    """SQL: the row's version is older than (created, event_id) (a row-value comparison)."""
    return tuple_(table.source_created, table.source_event_id) < tuple_(created, event_id)


async def upsert_newer(
    session: AsyncSession,
    table: Mirrored,
    constraint: str,
    key: Mapping[str, object],
    fields: Mapping[str, object],
    version: Version,
) -> bool:
    """Insert the object, or update it when `version` is newer; whether it was written."""
    values = {**fields, "source_created": version.created, "source_event_id": version.event_id}
    statement = insert(table).values(**key, **values)
    newer = older_than(table, statement.excluded.source_created, statement.excluded.source_event_id)
    written = await session.scalar(
        statement.on_conflict_do_update(constraint=constraint, set_=values, where=newer).returning(
            table.id
        )
    )
    return written is not None
