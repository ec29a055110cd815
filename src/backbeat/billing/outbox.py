"""The outbox: a domain writes a webhook event in the same transaction as the change it reports.

`emit` works for any caller (a user's request under row-level security, an admin, a job on the
owner connection): it calls the SECURITY DEFINER function `billing_webhook_emit`, which stores
the event and queues one fan-out job per transaction, when some enabled endpoint wants its type
(otherwise an event is dropped, unless it has a dedupe key to remember).
A rolled-back change rolls its events back with it; a committed one is delivered by the jobs.
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.webhook_events import EVENT_TYPES

EMIT_SQL = text(
    "select billing_webhook_emit(:type, cast(:data as jsonb[]), "
    "cast(cast(:owners as text[]) as uuid[]), cast(:keys as text[]))"
)


@dataclass(frozen=True)
class Emission:
    """One event of a batch: its payload `data`, who it is about, an optional dedupe key."""

    data: Mapping[str, Any]
    owner_id: uuid.UUID | None = None
    key: str | None = None


def _jsonable(value: object) -> object:
    """UUIDs, timestamps, decimals and enums as the JSON strings an integrator expects."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable in a webhook event")


def event_json(data: Mapping[str, Any]) -> str:
    """The stored form of an event's data."""
    return json.dumps(data, default=_jsonable, separators=(",", ":"))


async def emit(
    session: AsyncSession,
    event_type: str,
    data: Mapping[str, Any],
    *,
    owner_id: uuid.UUID | None = None,
    key: str | None = None,
) -> uuid.UUID | None:
    """Write one event about `owner_id` (None: a platform event) in the caller's transaction.

    Delivered to the owner's endpoints and to every platform endpoint subscribed to the type.
    Returns the event's id, or None when nothing was stored: a second event of the same type
    and `key`, or an event without a key that no enabled endpoint wants."""
    made = await emit_many(session, event_type, [Emission(data, owner_id, key)])
    return made[0] if made else None


async def emit_many(
    session: AsyncSession, event_type: str, emissions: Sequence[Emission]
) -> list[uuid.UUID]:
    """Write a batch of events of one type in one round trip; returns the new events' ids."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not in the webhook event catalogue")
    if not emissions:
        return []
    result = await session.execute(
        EMIT_SQL,
        {
            "type": event_type,
            "data": [event_json(e.data) for e in emissions],
            "owners": [None if e.owner_id is None else str(e.owner_id) for e in emissions],
            "keys": [e.key for e in emissions],
        },
    )
    return list(result.scalar_one())


async def wanted(session: AsyncSession, event_type: str) -> bool:
    """Whether some enabled endpoint subscribes to the type: a bulk emitter asks first and
    skips building a batch nobody would receive."""
    return bool(
        await session.scalar(text("select billing_webhook_wanted(:type)"), {"type": event_type})
    )
