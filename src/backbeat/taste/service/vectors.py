"""Users' taste vectors: the queue the triggers fill, folded in O(d) per event; full recomputes.

Listening and library know nothing of taste: triggers on their tables (in the taste migration)
append each listen, like and dislike, and each removal as a retraction, to `taste_events` in the
same transaction, and queue one `taste.fold` job. A crash between the write and the fold loses
nothing, and every way in (the API, ListenBrainz submissions, imports, the demo) is covered.
An event whose track has no vector yet is dropped from the fold; the periodic full recompute
(taste.recompute) counts it once the track has one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.taste.folding import Event, TasteState, fold_all, recompute
from backbeat.taste.models import UserVector
from backbeat.taste.service.embeddings import Vector, vector_text

PROFILE_WEIGHT = 3.0
"""The onboarding profile counts as this many full plays, at the time it was last saved."""


@dataclass(frozen=True)
class QueuedEvent:
    """One row of taste_events."""

    user_id: uuid.UUID
    track_id: uuid.UUID
    weight: float
    at: datetime
    retraction: bool


async def take_events(session: AsyncSession, limit: int) -> list[QueuedEvent]:
    """Remove up to `limit` queued events, oldest first (locked rows are another fold's)."""
    rows = await session.execute(
        text(
            "delete from taste_events where id in (select id from taste_events order by id "
            "limit :limit for update skip locked) "
            "returning id, user_id, track_id, weight, occurred_at, retraction"
        ),
        {"limit": limit},
    )
    ordered = sorted(rows.all(), key=lambda row: int(row.id))
    return [
        QueuedEvent(r.user_id, r.track_id, r.weight, r.occurred_at, r.retraction) for r in ordered
    ]


async def track_vectors(
    session: AsyncSession, tracks: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, Vector]]:
    """Every vector of these tracks: model id → track id → vector."""
    rows = await session.execute(
        text(
            "select model_id, track_id, embedding::text as embedding from taste_track_embeddings "
            "where track_id = any(cast(:tracks as uuid[]))"
        ),
        {"tracks": [str(t) for t in set(tracks)]},
    )
    found: dict[uuid.UUID, dict[uuid.UUID, Vector]] = defaultdict(dict)
    for row in rows:
        found[row.model_id][row.track_id] = parse_vector(row.embedding)
    return found


def parse_vector(body: str) -> Vector:
    """pgvector's text form back to numbers."""
    return np.array(body.strip("[]").split(","), dtype=np.float64)


def state_of(row: UserVector) -> TasteState:
    """A stored taste vector as a fold state."""
    return TasteState(np.asarray(row.vector, np.float64), row.weight, row.reference_at, row.events)


async def save_state(
    session: AsyncSession,
    user_id: uuid.UUID,
    model_id: uuid.UUID,
    state: TasteState,
    *,
    source: str,
    recomputed: bool = False,
) -> None:
    """Insert or replace a user's vector in one model."""
    await session.execute(
        text(
            "insert into taste_user_vectors (user_id, model_id, dimension, vector, weight, "
            "reference_at, events, source, recomputed_at) values (:user, :model, :dimension, "
            "cast(:vector as vector), :weight, :reference, :events, :source, "
            "case when :recomputed then now() end) on conflict (user_id, model_id) do update "
            "set vector = excluded.vector, weight = excluded.weight, "
            "reference_at = excluded.reference_at, events = excluded.events, "
            "source = excluded.source, updated_at = now(), recomputed_at = "
            "coalesce(excluded.recomputed_at, taste_user_vectors.recomputed_at)"
        ),
        {
            "user": user_id,
            "model": model_id,
            "dimension": len(state.sum),
            "vector": vector_text(state.sum),
            "weight": state.mass,
            "reference": state.reference_at,
            "events": max(state.events, 0),
            "source": source,
            "recomputed": recomputed,
        },
    )


async def fold_pending(session: AsyncSession, *, half_life_days: float, limit: int = 5000) -> int:
    """Fold up to `limit` queued events into their users' vectors (each O(d)); how many."""
    events = await take_events(session, limit)
    if not events:
        return 0
    vectors = await track_vectors(session, [e.track_id for e in events])
    for model_id, by_track in vectors.items():
        per_user: dict[uuid.UUID, list[Event]] = defaultdict(list)
        for e in events:
            if e.track_id in by_track:
                per_user[e.user_id].append(
                    Event(by_track[e.track_id], e.weight, e.at, e.retraction)
                )
        await _fold_users(session, model_id, per_user, half_life_days)
    return len(events)


async def _fold_users(
    session: AsyncSession,
    model_id: uuid.UUID,
    per_user: dict[uuid.UUID, list[Event]],
    half_life_days: float,
) -> None:
    stored = {
        row.user_id: row
        for row in await session.scalars(
            select(UserVector)
            .where(UserVector.model_id == model_id, UserVector.user_id.in_(per_user))
            .with_for_update()
        )
    }
    for user_id, events in per_user.items():
        row = stored.get(user_id)
        start = state_of(row) if row else TasteState.empty(len(events[0].vector), events[0].at)
        state = fold_all(start, events, half_life_days=half_life_days)
        await save_state(session, user_id, model_id, state, source="listens")


async def user_events(session: AsyncSession, user_id: uuid.UUID) -> dict[uuid.UUID, list[Event]]:
    """Everything a user did that their taste is made of now, per model: plays, likes and
    dislikes of tracks with a vector in that model."""
    rows = (
        await session.execute(
            text("select track_id, weight, occurred_at from taste_user_events(:user)"),
            {"user": user_id},
        )
    ).all()
    vectors = await track_vectors(session, [row.track_id for row in rows])
    return {
        model_id: [
            Event(by_track[r.track_id], r.weight, r.occurred_at)
            for r in rows
            if r.track_id in by_track
        ]
        for model_id, by_track in vectors.items()
    }


async def recompute_user(
    session: AsyncSession, user_id: uuid.UUID, *, half_life_days: float
) -> int:
    """Rebuild a user's vectors from scratch in every model, the onboarding profile's centroid
    counting as one heavier event; how many models they have a vector in."""
    per_model = await user_events(session, user_id)
    priors = await profile_centroids(session, user_id)
    made = 0
    for model_id in set(per_model) | set(priors):
        events = list(per_model.get(model_id, []))
        source = "listens" if events else "profile"
        if model_id in priors:
            centroid, at = priors[model_id]
            events.append(Event(centroid, PROFILE_WEIGHT, at))
        state = recompute(events, len(events[0].vector), half_life_days=half_life_days)
        if state is not None:
            await save_state(session, user_id, model_id, state, source=source, recomputed=True)
            made += 1
    return made


async def users_with_taste(session: AsyncSession) -> list[uuid.UUID]:
    """Every user the periodic recompute visits: a vector, a profile, a like or a matched listen."""
    users = await session.scalars(
        text(
            "select user_id from taste_user_vectors union select user_id from taste_profiles "
            "union select user_id from library_likes union select user_id from library_dislikes "
            "union select user_id from listening_listens where track_id is not null"
        )
    )
    return list(users)


async def profile_centroids(
    session: AsyncSession, user_id: uuid.UUID
) -> dict[uuid.UUID, tuple[Vector, datetime]]:
    """The centroid, per model, of the catalog tracks the user's profile matches."""
    rows = await session.execute(
        text(
            "select e.model_id, avg(e.embedding)::text as centroid, max(p.updated_at) as at "
            "from taste_profiles p cross join lateral taste_profile_tracks(p.user_id) m "
            "join taste_track_embeddings e on e.track_id = m.track_id "
            "where p.user_id = :user group by e.model_id"
        ),
        {"user": user_id},
    )
    found: dict[uuid.UUID, tuple[Vector, datetime]] = {}
    for row in rows:
        centroid = parse_vector(row.centroid)
        norm = float(np.linalg.norm(centroid))
        if norm > 0:
            found[row.model_id] = (centroid / norm, row.at or datetime.now(UTC))
    return found
