"""Radio: a station starts at a seed (a track, an artist, the listener's taste) and drifts.

Each `next` steers from where the station points: the seed, pulled more and more towards the
tracks the station has handed out and the listener did not skip (DRIFT_PER_TRACK, capped at
MAX_DRIFT), and pushed away from those they skipped (a listen with `skipped`, or played under a
quarter, after the station handed it out). A station never hands a track out twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.schemas import TrackOut
from backbeat.catalog.service.track_json import track_json
from backbeat.errors import NotFound, Unprocessable
from backbeat.taste.models import EmbeddingModel, Station, StationTrack
from backbeat.taste.schemas import Influence, Recommendation, StationIn, StationNext, StationOut
from backbeat.taste.service.embeddings import (
    Neighbour,
    Vector,
    get_model,
    match_percent,
    nearest_tracks,
    normalised,
    track_vector,
    user_taste_vector,
)
from backbeat.taste.service.vectors import parse_vector, track_vectors

DRIFT_PER_TRACK = 0.05
MAX_DRIFT = 0.6
SKIP_PUSH = 0.5
RECENT = 10
"""How many of the station's latest accepted tracks steer it."""


def station_out(station: Station, model: EmbeddingModel) -> StationOut:
    return StationOut(
        id=station.id,
        seed=station.seed_kind,
        seed_ref=station.seed_ref,
        model=model.name,
        played=station.played,
        created_at=station.created_at,
    )


async def artist_centroid(session: AsyncSession, model: EmbeddingModel, artist: str) -> Vector:
    """The mean vector of an artist's public tracks (404 when none has a vector)."""
    found = await session.scalar(
        text(
            "select avg(e.embedding)::text from taste_track_embeddings e "
            "join catalog_tracks t on t.id = e.track_id where e.model_id = :model "
            "and lower(t.artist) = lower(:artist) and t.visibility = 'public' "
            "and t.deleted_at is null"
        ),
        {"model": model.id, "artist": artist},
    )
    if found is None:
        raise NotFound(f"No public track by {artist!r} has a {model.name} vector.")
    return normalised(parse_vector(found))


async def seed_vector(
    session: AsyncSession, body: StationIn, model: EmbeddingModel, actor: uuid.UUID
) -> tuple[Vector, str | None]:
    """Where a new station starts, and what it names as its seed."""
    if body.seed == "track":
        if body.track_id is None:
            raise Unprocessable("A track station needs `track_id`.")
        vector = await track_vector(session, body.track_id, model=model.name)
        if vector is None:
            raise NotFound(f"Track {body.track_id} has no {model.name} vector (or is not visible).")
        return vector, str(body.track_id)
    if body.seed == "artist":
        if body.artist is None:
            raise Unprocessable("An artist station needs `artist`.")
        return await artist_centroid(session, model, body.artist), body.artist
    taste = await user_taste_vector(session, actor, model=model.name)
    if taste is None:
        raise NotFound("No taste yet: play or like a few tracks first.")
    return taste, None


async def start_station(session: AsyncSession, body: StationIn, *, actor: uuid.UUID) -> StationOut:
    """A new station at its seed."""
    model = await get_model(session, body.model)
    vector, ref = await seed_vector(session, body, model, actor)
    station = Station(
        user_id=actor,
        model_id=model.id,
        seed_kind=body.seed,
        seed_ref=ref,
        seed_vector=vector,
        vector=vector,
    )
    session.add(station)
    await session.flush()
    await session.refresh(station)
    return station_out(station, model)


@dataclass(frozen=True)
class Heard:
    """What the listener did with the station's tracks so far."""

    handed_out: list[uuid.UUID]
    accepted: list[uuid.UUID]  # newest first
    skipped: list[uuid.UUID]


async def heard(session: AsyncSession, station: Station) -> Heard:
    """The station's tracks, split by whether the listener skipped them since."""
    rows = (
        await session.execute(
            text(
                "select s.track_id, exists (select 1 from listening_listens l "
                "  where l.user_id = :user and l.track_id = s.track_id "
                "  and l.listened_at >= s.added_at - interval '1 minute' "
                "  and taste_listen_weight(l.ms_played, l.duration_ms, l.skipped) < 0) as skipped "
                "from taste_station_tracks s where s.station_id = :station order by s.position desc"
            ),
            {"user": station.user_id, "station": station.id},
        )
    ).all()
    return Heard(
        [r.track_id for r in rows],
        [r.track_id for r in rows if not r.skipped],
        [r.track_id for r in rows if r.skipped],
    )


def steer(seed: Vector, accepted: list[Vector], skipped: list[Vector], position: int) -> Vector:
    """Where the station points next: seed, drifted towards accepted, away from skipped."""
    drift = min(MAX_DRIFT, DRIFT_PER_TRACK * position)
    point = (1 - drift) * seed
    if accepted:
        point = point + drift * normalised(np.mean(accepted, axis=0))
    if skipped:
        point = point - SKIP_PUSH * normalised(np.mean(skipped, axis=0))
    return normalised(point) if float(np.linalg.norm(point)) > 1e-9 else seed


async def next_tracks(
    session: AsyncSession, station_id: uuid.UUID, n: int, *, actor: uuid.UUID
) -> StationNext:
    """The station's next n tracks, steered by what was accepted and skipped; never repeats."""
    station = await session.scalar(
        select(Station).where(Station.id == station_id, Station.user_id == actor).with_for_update()
    )
    if station is None:
        raise NotFound(f"No station {station_id}")
    model = await session.get_one(EmbeddingModel, station.model_id)
    history = await heard(session, station)
    seed_track = uuid.UUID(station.seed_ref) if station.seed_kind == "track" else None
    looked_up = history.handed_out + ([seed_track] if seed_track else [])
    known = (await track_vectors(session, looked_up)).get(model.id, {})
    accepted = [known[t] for t in history.accepted[:RECENT] if t in known]
    skipped = [known[t] for t in history.skipped if t in known]
    seed = np.asarray(station.seed_vector, dtype=np.float64)
    point = steer(seed, accepted, skipped, len(history.handed_out))
    found = await nearest_tracks(
        session, point, model=model.name, k=n, exclude=looked_up, for_user=actor
    )
    for offset, neighbour in enumerate(found):
        session.add(
            StationTrack(
                station_id=station.id,
                track_id=neighbour.track_id,
                position=len(history.handed_out) + offset,
            )
        )
    station.vector, station.played = point, station.played + len(found)
    await session.flush()
    references = [t for t in [seed_track, *history.accepted[:RECENT]] if t and t in known]
    items = await recommendations_of(session, model, found, references, known)
    return StationNext(station_id=station.id, items=items)


TRACKS_JSON = text(
    f"select t.id, {track_json(contact_info='null', credits=None)}::text as body "  # noqa: S608
    "from catalog_tracks t where t.id = any(cast(:ids as uuid[]))"
)


async def recommendations_of(
    session: AsyncSession,
    model: EmbeddingModel,
    found: list[Neighbour],
    references: list[uuid.UUID],
    known: dict[uuid.UUID, Vector],
) -> list[Recommendation]:
    """Items with their tracks, matches and the station tracks each follows most closely."""
    ids = [str(n.track_id) for n in found]
    bodies = {row.id: row.body for row in await session.execute(TRACKS_JSON, {"ids": ids})}
    vectors = (await track_vectors(session, [n.track_id for n in found])).get(model.id, {})
    rows = await session.execute(
        text("select id, title from catalog_tracks where id = any(cast(:ids as uuid[]))"),
        {"ids": [str(r) for r in references]},
    )
    titles: dict[uuid.UUID, str] = {row.id: row.title for row in rows}
    items = []
    for neighbour in found:
        vector = vectors.get(neighbour.track_id)
        scored = sorted(
            ((float(known[r] @ vector), r) for r in references if vector is not None),
            reverse=True,
        )[:2]
        because = [
            Influence(track_id=r, title=titles.get(r, ""), weight=round(score, 3))
            for score, r in scored
            if score > 0
        ]
        items.append(
            Recommendation(
                track=TrackOut.model_validate_json(bodies[neighbour.track_id]),
                match=match_percent(neighbour.distance),
                because=because,
            )
        )
    return items
