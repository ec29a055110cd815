"""Posting revenue: validate each event on its own, resolve tracks, insert, enqueue allocation."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.catalog.identifiers import normalise_isrc
from backbeat.errors import AppError
from backbeat.identity.models import uuid7
from backbeat.royalties.errors import (
    IdempotencyConflict,
    InvalidRevenue,
    UnknownAsset,
    UnknownTrack,
)
from backbeat.royalties.schemas import EventResult, RevenueEventIn
from backbeat.royalties.service.access import Principal, check_may_post_revenue

DISTRIBUTE_TASK = "royalties.distribute"


def body_hash(event: RevenueEventIn) -> str:
    """The same key with this hash is a replay; with another hash it is a conflict."""
    fields = event.model_dump(mode="json")
    fields["occurred_at"] = event.occurred_at.astimezone(UTC).isoformat()
    fields["amount"] = str(int(event.amount))
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _rejected(index: int, key: str | None, error: AppError) -> EventResult:
    return EventResult(
        index=index, idempotency_key=key, status="rejected", code=error.code(), detail=error.detail
    )


def _parse(
    index: int, raw: Mapping[str, Any], assets: Mapping[str, int]
) -> EventResult | RevenueEventIn:
    key = raw.get("idempotency_key") if isinstance(raw.get("idempotency_key"), str) else None
    amount = raw.get("amount")
    if isinstance(amount, str) and amount.strip().startswith("-"):
        return _rejected(
            index, key, InvalidRevenue("amount must be >= 0 (a refund is not revenue)")
        )
    try:
        event = RevenueEventIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _rejected(
            index, key, InvalidRevenue(f"{where}: {first['msg']}" if where else first["msg"])
        )
    if event.asset not in assets:
        return _rejected(index, key, UnknownAsset(f"asset {event.asset!r} is not configured"))
    if event.isrc is not None:
        try:
            event = event.model_copy(update={"isrc": normalise_isrc(event.isrc)})
        except ValueError as exc:
            return _rejected(index, key, InvalidRevenue(str(exc)))
    return event


async def _resolve_tracks(
    session: AsyncSession, events: Sequence[RevenueEventIn]
) -> dict[str, uuid.UUID]:
    """track id or ISRC (as text) → track id, for live tracks (any visibility)."""
    ids = [e.track_id for e in events if e.track_id is not None]
    isrcs = [e.isrc for e in events if e.isrc is not None]
    rows = await session.execute(
        text(
            "select track_id, isrc from "
            "royalties_track_ids(cast(:ids as uuid[]), cast(:isrcs as text[]))"
        ),
        {"ids": ids, "isrcs": isrcs},
    )
    found: dict[str, uuid.UUID] = {}
    for track_id, isrc in rows.all():
        found[str(track_id)] = track_id
        if isrc:
            found.setdefault(isrc, track_id)
    return found


async def _existing(
    session: AsyncSession, submitter: str, keys: Sequence[str]
) -> dict[str, tuple[uuid.UUID, str]]:
    rows = await session.execute(
        text(
            "select idempotency_key, id, body_hash from royalties_revenue_events "
            "where submitted_by = :who and idempotency_key = any(cast(:keys as text[]))"
        ),
        {"who": submitter, "keys": list(keys)},
    )
    return {key: (event_id, digest) for key, event_id, digest in rows.all()}


def _replay(index: int, event: RevenueEventIn, first: tuple[uuid.UUID, str]) -> EventResult:
    event_id, digest = first
    if digest != body_hash(event):
        error = IdempotencyConflict(
            f"idempotency key {event.idempotency_key!r} was used with a different body"
        )
        return _rejected(index, event.idempotency_key, error)
    return EventResult(
        index=index, idempotency_key=event.idempotency_key, status="duplicate", event_id=event_id
    )


async def post_revenue(
    session: AsyncSession,
    raw_events: Sequence[Mapping[str, Any]],
    *,
    caller: Principal,
    assets: Mapping[str, int],
) -> list[EventResult]:
    """Revenue from an admin or a `revenue:write` token; the keys are the caller's own."""
    check_may_post_revenue(caller)
    return await import_revenue(session, raw_events, submitter=str(caller.user_id), assets=assets)


async def import_revenue(
    session: AsyncSession,
    raw_events: Sequence[Mapping[str, Any]],
    *,
    submitter: str,
    assets: Mapping[str, int],
) -> list[EventResult]:
    """Accepts what it can, says why for the rest; allocation happens in a job (the CLI imports
    as the platform, under a submitter of its choice)."""
    parsed = [_parse(i, raw, assets) for i, raw in enumerate(raw_events)]
    valid = [(i, e) for i, e in enumerate(parsed) if isinstance(e, RevenueEventIn)]
    tracks = await _resolve_tracks(session, [e for _, e in valid])
    existing = await _existing(session, submitter, [e.idempotency_key for _, e in valid])
    results: list[EventResult | None] = [p if isinstance(p, EventResult) else None for p in parsed]
    fresh: dict[str, tuple[int, RevenueEventIn, uuid.UUID]] = {}
    for index, event in valid:
        key = event.idempotency_key
        if key in existing:
            results[index] = _replay(index, event, existing[key])
        elif key in fresh:
            results[index] = _replay(index, event, (fresh[key][2], body_hash(fresh[key][1])))
        else:
            track = tracks.get(str(event.track_id) if event.track_id else str(event.isrc))
            if track is None:
                ref = event.track_id or event.isrc
                results[index] = _rejected(index, key, UnknownTrack(f"no track {ref}"))
            else:
                fresh[key] = (index, event, track)
    await _insert(session, submitter, fresh, results)
    return [r for r in results if r is not None]


async def _insert(
    session: AsyncSession,
    submitter: str,
    fresh: Mapping[str, tuple[int, RevenueEventIn, uuid.UUID]],
    results: list[EventResult | None],
) -> None:
    if not fresh:
        return
    rows = [
        {
            "id": uuid7(),
            "who": submitter,
            "key": key,
            "hash": body_hash(event),
            "track": track,
            "source": event.source,
            "amount": int(event.amount),
            "asset": event.asset,
            "at": event.occurred_at,
            "territory": event.territory,
            "reference": event.reference,
        }
        for key, (_, event, track) in fresh.items()
    ]
    await session.execute(
        text(
            "insert into royalties_revenue_events (id, submitted_by, idempotency_key, body_hash, "
            "track_id, source, amount, asset, occurred_at, territory, reference) values "
            "(:id, :who, :key, :hash, :track, :source, :amount, :asset, :at, :territory, "
            ":reference) on conflict (submitted_by, idempotency_key) do nothing"
        ),
        rows,
    )
    stored = await _existing(session, submitter, list(fresh))
    for row in rows:
        index, event, _ = fresh[str(row["key"])]
        if stored[str(row["key"])][0] != row["id"]:  # a concurrent request with the same key won
            results[index] = _replay(index, event, stored[str(row["key"])])
            continue
        results[index] = EventResult(
            index=index, idempotency_key=str(row["key"]), status="accepted", event_id=row["id"]
        )
    await jobs.enqueue(session, DISTRIBUTE_TASK, {}, idempotency_key=DISTRIBUTE_TASK)
