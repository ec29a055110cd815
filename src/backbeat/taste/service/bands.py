"""Bands: a user's generated tracks grouped under a name, with a style vector (the mean of the
tracks' embeddings in the style model, updated in O(d) on each add and remove), followed through
the library's follows, and similar bands by style."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Track
from backbeat.config import Settings
from backbeat.errors import Conflict, Forbidden, NotFound, Unprocessable
from backbeat.library.service.follows import follow_target
from backbeat.taste.band_schemas import (
    BandIn,
    BandOut,
    BandPatch,
    BandTrackOut,
    SimilarBandOut,
    SimilarBands,
)
from backbeat.taste.band_style import add_to_mean, band_bio, band_name, remove_from_mean
from backbeat.taste.creations_models import Band, BandTrack, Generation
from backbeat.taste.generators import Reference, shape_of
from backbeat.taste.models import EmbeddingModel
from backbeat.taste.service.embeddings import match_percent, track_vector

MAX_SIMILAR = 50


async def visible_band(session: AsyncSession, band_id: uuid.UUID) -> Band:
    """A band the caller may see (public, or theirs: row-level security hides the rest)."""
    band = await session.get(Band, band_id)
    if band is None:
        raise NotFound(f"No band {band_id}")
    return band


async def owned_band(session: AsyncSession, band_id: uuid.UUID, actor: uuid.UUID) -> Band:
    """One of the caller's bands, locked for the change (so style updates do not interleave)."""
    band = await visible_band(session, band_id)
    if band.owner_id != actor:
        raise Forbidden("Only the band's owner can change it")
    await session.refresh(band, with_for_update=True)
    return band


@follow_target("band")
async def check_followable(session: AsyncSession, band_id: uuid.UUID, actor: uuid.UUID) -> None:
    """A band can be followed by whoever can see it."""
    await visible_band(session, band_id)


async def style_model(session: AsyncSession, settings: Settings) -> EmbeddingModel | None:
    """The embedding model band styles are taken in (None until it is registered)."""
    found: EmbeddingModel | None = await session.scalar(
        select(EmbeddingModel).where(EmbeddingModel.name == settings.generation_style_model)
    )
    return found


async def embedding_of(
    session: AsyncSession, model: EmbeddingModel | None, track_id: uuid.UUID
) -> list[float] | None:
    """The track's vector in the style model, if it has one yet."""
    if model is None:
        return None
    found = await track_vector(session, track_id, model=model.name)
    return None if found is None else [float(x) for x in found]


async def check_generated(session: AsyncSession, track_id: uuid.UUID, actor: uuid.UUID) -> None:
    """A band holds its owner's generated tracks, nothing else."""
    made = await session.scalar(
        select(Generation.id)
        .join(Track, Track.id == Generation.track_id)
        .where(
            Generation.track_id == track_id,
            Generation.user_id == actor,
            Track.deleted_at.is_(None),
        )
    )
    if made is None:
        raise Unprocessable(f"Track {track_id} is not one of your generated tracks")


async def _add(
    session: AsyncSession, band: Band, model: EmbeddingModel | None, track_id: uuid.UUID
) -> None:
    """The track in the band; its embedding (if any) folded into the style."""
    exists = await session.get(BandTrack, (band.id, track_id))
    if exists is not None:
        raise Conflict(f"Track {track_id} is already in the band")
    vector = await embedding_of(session, model, track_id)
    if vector is not None and model is not None:
        band.style_vector = add_to_mean(_floats(band.style_vector), band.style_count, vector)
        band.style_count += 1
        band.style_model_id = model.id
    session.add(BandTrack(band_id=band.id, track_id=track_id, embedding=vector))
    await session.flush()


def _floats(vector: Any) -> list[float] | None:
    return None if vector is None else [float(x) for x in vector]


async def _facts(session: AsyncSession, track_ids: Sequence[uuid.UUID]) -> list[Reference]:
    rows = await session.execute(
        text(
            "select t.bpm, t.key, a.loudness_lufs from catalog_tracks t "
            "left join media_audio_files a on a.object_id = t.audio_object_id "
            "where t.id = any(:ids)"
        ),
        {"ids": list(track_ids)},
    )
    return [Reference(r.bpm, r.key, r.loudness_lufs) for r in rows]


async def create_band(
    session: AsyncSession, settings: Settings, body: BandIn, *, actor: uuid.UUID
) -> BandOut:
    """The band with its first tracks; name and bio from their style when not given."""
    tracks = list(dict.fromkeys(body.track_ids))
    for track_id in tracks:
        await check_generated(session, track_id, actor)
    band = Band(owner_id=actor, name="", bio="", is_public=body.is_public)
    session.add(band)
    await session.flush()
    model = await style_model(session, settings)
    for track_id in tracks:
        await _add(session, band, model, track_id)
    shape = shape_of(await _facts(session, tracks))
    style = _floats(band.style_vector) or [float(b) for b in actor.bytes]
    band.name = body.name or band_name(shape, style)
    band.bio = body.bio if body.bio is not None else band_bio(band.name, shape)
    await session.flush()
    await session.refresh(band)
    return await band_out(session, band)


async def get_band(session: AsyncSession, band_id: uuid.UUID) -> BandOut:
    return await band_out(session, await visible_band(session, band_id))


async def patch_band(
    session: AsyncSession, band_id: uuid.UUID, body: BandPatch, *, actor: uuid.UUID
) -> BandOut:
    band = await owned_band(session, band_id, actor)
    for field in body.model_fields_set:
        value = getattr(body, field)
        if value is None:
            raise Unprocessable(f"{field} cannot be null")
        setattr(band, field, value)
    band.updated_at = await session.scalar(select(func.now()))  # type: ignore[assignment]
    await session.flush()
    return await band_out(session, band)


async def delete_band(session: AsyncSession, band_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    """The band and its track list (the tracks stay); its follows go with it."""
    band = await owned_band(session, band_id, actor)
    await session.delete(band)
    await session.flush()


async def add_track(
    session: AsyncSession,
    settings: Settings,
    band_id: uuid.UUID,
    track_id: uuid.UUID,
    *,
    actor: uuid.UUID,
) -> BandOut:
    band = await owned_band(session, band_id, actor)
    await check_generated(session, track_id, actor)
    await _add(session, band, await style_model(session, settings), track_id)
    await session.refresh(band)
    return await band_out(session, band)


async def remove_track(
    session: AsyncSession, band_id: uuid.UUID, track_id: uuid.UUID, *, actor: uuid.UUID
) -> None:
    """Out of the band; exactly what the track added to the style is taken out again."""
    band = await owned_band(session, band_id, actor)
    member = await session.get(BandTrack, (band_id, track_id))
    if member is None:
        raise NotFound(f"Track {track_id} is not in the band")
    if member.embedding is not None:
        vector = _floats(member.embedding) or []
        band.style_vector = remove_from_mean(_floats(band.style_vector), band.style_count, vector)
        band.style_count -= 1
        band.style_model_id = band.style_model_id if band.style_count else None
    await session.execute(
        delete(BandTrack).where(BandTrack.band_id == band_id, BandTrack.track_id == track_id)
    )
    await session.flush()


SIMILAR = """
select b.id, (b.style_vector <=> o.style_vector) as distance
from taste_bands o join taste_bands b
  on b.style_model_id = o.style_model_id and b.id <> o.id
  and b.is_public and b.style_vector is not null
where o.id = :band and o.style_vector is not null
order by distance, b.id limit :k
"""
"""An exact scan of the public bands of the same style model (bands are few next to tracks;
their vectors have no fixed dimension to index)."""


async def similar_bands(session: AsyncSession, band_id: uuid.UUID, *, k: int) -> SimilarBands:
    """Public bands nearest in style to a band the caller can see."""
    await visible_band(session, band_id)
    rows = (await session.execute(text(SIMILAR), {"band": band_id, "k": k})).all()
    items = []
    for row in rows:
        band = await session.get_one(Band, row.id)
        items.append(
            SimilarBandOut(band=await band_out(session, band), match=match_percent(row.distance))
        )
    return SimilarBands(items=items)


async def band_out(session: AsyncSession, band: Band) -> BandOut:
    """The API shape, listing the band's tracks the caller can see."""
    rows = await session.execute(
        select(BandTrack.track_id, Track.title, BandTrack.added_at)
        .join(Track, Track.id == BandTrack.track_id)
        .where(BandTrack.band_id == band.id, Track.deleted_at.is_(None))
        .order_by(BandTrack.added_at, BandTrack.track_id)
    )
    model = await session.get(EmbeddingModel, band.style_model_id) if band.style_model_id else None
    return BandOut(
        id=band.id,
        owner_id=band.owner_id,
        name=band.name,
        bio=band.bio,
        is_public=band.is_public,
        track_count=band.track_count,
        follower_count=band.follower_count,
        style_model=model.name if model else None,
        tracks=[BandTrackOut(track_id=r[0], title=r[1], added_at=r[2]) for r in rows],
        created_at=band.created_at,
        updated_at=band.updated_at,
    )
