"""Posting revenue: check each event on its own, resolve tracks, insert, enqueue allocation."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from http import HTTPStatus
from typing import NamedTuple

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
from backbeat.royalties.schemas import EventResult, RevenueEventIn, UnreadableEvent
from backbeat.royalties.service.access import Principal, check_may_post_revenue

DISTRIBUTE_TASK = "royalties.distribute"


@dataclass(frozen=True)
class EventOutcome:
    """What happened to one event of a request; a refused one keeps the error that says why."""

    result: EventResult
    error: AppError | None = None

    @property
    def status_code(self) -> int:
        """The refusing error's status; 202 when accepted, 200 for a replay of the first result."""
        if self.error is not None:
            return self.error.status_code
        accepted = self.result.status == "accepted"
        return HTTPStatus.ACCEPTED if accepted else HTTPStatus.OK


class KeyUse(NamedTuple):
    """The event an idempotency key was first used for, and the hash of that body."""

    event_id: uuid.UUID
    body_hash: str


class Fresh(NamedTuple):
    """An event to insert: its position in the request and its resolved track."""

    position: int
    event: RevenueEventIn
    track_id: uuid.UUID


def body_hash(event: RevenueEventIn) -> str:
    """The same key with this hash is a replay; with another hash it is a conflict."""
    fields = event.model_dump(mode="json")
    fields["occurred_at"] = event.occurred_at.astimezone(UTC).isoformat()
    fields["amount"] = str(int(event.amount))
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _refused(index: int, key: str | None, error: AppError) -> EventOutcome:
    result = EventResult(
        index=index, idempotency_key=key, status="rejected", code=error.code(), detail=error.detail
    )
    return EventOutcome(result, error)


def _checked(
    index: int, event: RevenueEventIn | UnreadableEvent, assets: Mapping[str, int]
) -> EventOutcome | RevenueEventIn:
    """A readable event with a configured asset and a normalised ISRC, or why not."""
    if isinstance(event, UnreadableEvent):
        return _refused(index, event.idempotency_key, InvalidRevenue(event.detail))
    key = event.idempotency_key
    if event.asset not in assets:
        return _refused(index, key, UnknownAsset(f"asset {event.asset!r} is not configured"))
    if event.isrc is not None:
        try:
            return event.model_copy(update={"isrc": normalise_isrc(event.isrc)})
        except ValueError as exc:
            return _refused(index, key, InvalidRevenue(str(exc)))
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
    for row in rows.all():
        found[str(row.track_id)] = row.track_id
        if row.isrc:
            found.setdefault(row.isrc, row.track_id)
    return found


async def _key_uses(
    session: AsyncSession, submitter: str, keys: Sequence[str]
) -> dict[str, KeyUse]:
    rows = await session.execute(
        text(
            "select idempotency_key, id, body_hash from royalties_revenue_events "
            "where submitted_by = :who and idempotency_key = any(cast(:keys as text[]))"
        ),
        {"who": submitter, "keys": list(keys)},
    )
    return {row.idempotency_key: KeyUse(row.id, row.body_hash) for row in rows.all()}


def _replay(index: int, event: RevenueEventIn, first: KeyUse) -> EventOutcome:
    key = event.idempotency_key
    if first.body_hash != body_hash(event):
        error = IdempotencyConflict(f"idempotency key {key!r} was used with a different body")
        return _refused(index, key, error)
    result = EventResult(
        index=index, idempotency_key=key, status="duplicate", event_id=first.event_id
    )
    return EventOutcome(result)


async def post_revenue(
    session: AsyncSession,
    events: Sequence[RevenueEventIn | UnreadableEvent],
    *,
    caller: Principal,
    assets: Mapping[str, int],
) -> list[EventOutcome]:
    """Revenue from an admin or a `revenue:write` token; the keys are the caller's own."""
    check_may_post_revenue(caller)
    return await import_revenue(session, events, submitter=str(caller.user_id), assets=assets)


async def import_revenue(
    session: AsyncSession,
    events: Sequence[RevenueEventIn | UnreadableEvent],
    *,
    submitter: str,
    assets: Mapping[str, int],
) -> list[EventOutcome]:
    """Accepts what it can, says why for the rest; allocation happens in a job (the CLI imports
    as the platform, under a submitter of its choice)."""
    checked = [_checked(i, event, assets) for i, event in enumerate(events)]
    valid = [(i, e) for i, e in enumerate(checked) if isinstance(e, RevenueEventIn)]
    tracks = await _resolve_tracks(session, [e for _, e in valid])
    used = await _key_uses(session, submitter, [e.idempotency_key for _, e in valid])
    outcomes = [c if isinstance(c, EventOutcome) else None for c in checked]
    fresh: dict[str, Fresh] = {}
    repeats: list[tuple[int, RevenueEventIn]] = []
    for index, event in valid:
        key = event.idempotency_key
        if key in used:
            outcomes[index] = _replay(index, event, used[key])
        elif key in fresh:
            repeats.append((index, event))
        elif track := tracks.get(str(event.track_id) if event.track_id else str(event.isrc)):
            fresh[key] = Fresh(index, event, track)
        else:
            ref = event.track_id or event.isrc
            outcomes[index] = _refused(index, key, UnknownTrack(f"no track {ref}"))
    await _insert(session, submitter, fresh, repeats, outcomes)
    return [outcome for outcome in outcomes if outcome is not None]


async def _insert(
    session: AsyncSession,
    submitter: str,
    fresh: Mapping[str, Fresh],
    repeats: Sequence[tuple[int, RevenueEventIn]],
    outcomes: list[EventOutcome | None],
) -> None:
    """Inserts the fresh events; a key used again in the same request replays the stored one."""
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
    stored = await _key_uses(session, submitter, list(fresh))
    for row in rows:
        key, event_id = str(row["key"]), row["id"]
        index, event, _ = fresh[key]
        if stored[key].event_id != event_id:  # a concurrent request with the same key won
            outcomes[index] = _replay(index, event, stored[key])
            continue
        result = EventResult(index=index, idempotency_key=key, status="accepted", event_id=event_id)
        outcomes[index] = EventOutcome(result)
    for index, event in repeats:
        outcomes[index] = _replay(index, event, stored[event.idempotency_key])
    await jobs.enqueue(session, DISTRIBUTE_TASK, {}, idempotency_key=DISTRIBUTE_TASK)
