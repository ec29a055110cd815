"""Tracks ↔ stored files: checking a track's audio and cover references, and writing analysis
results (bpm, key, duration) onto the tracks that use an audio object, unless their owner set them.

A track remembers which of those fields analysis filled (`analysis_filled`); a field is the
owner's when it holds a value that analysis did not put there.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Track
from backbeat.catalog.service import attachments
from backbeat.catalog.vocabulary import UnknownTerm, normalise_key
from backbeat.media.errors import ForeignObject, LinkedObjectNotFound, WrongObjectKind
from backbeat.media.models import AudioFile, MediaObject

KIND_OF_FIELD = {"audio_object_id": "audio/", "cover_object_id": "image/"}


def fill(
    current: dict[str, Any], filled: list[str], found: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The analysed values a track takes (fields it has no value for, or that analysis set
    before), and the new list of analysis-filled fields."""
    updates = {
        name: value
        for name, value in found.items()
        if value is not None and (current.get(name) is None or name in filled)
    }
    return updates, sorted(set(filled) | set(updates))


def analysed_values(audio: AudioFile) -> dict[str, Any]:
    """What a track takes from its audio: duration from the decode, bpm and key from analysis."""
    return {
        "bpm": audio.bpm,
        "key": _catalog_key(audio.key),
        "duration_seconds": audio.duration_seconds,
    }


def _catalog_key(key: str | None) -> str | None:
    """The analysis's 'F# minor' in the catalog's notation, 'F#m'."""
    if key is None:
        return None
    try:
        return normalise_key(key)
    except UnknownTerm:
        return None


def apply(track: Track, found: dict[str, Any]) -> bool:
    """Write the analysed values the track takes; True when something changed."""
    current = {name: getattr(track, name) for name in attachments.ANALYSED_FIELDS}
    updates, filled = fill(current, list(track.analysis_filled or []), found)
    for name, value in updates.items():
        setattr(track, name, value)
    changed = any(current[name] != value for name, value in updates.items())
    track.analysis_filled = filled
    return changed


def forget_filled(track: Track) -> None:
    """A new (or no) audio object: values the previous one filled in no longer describe it."""
    for name in track.analysis_filled or []:
        setattr(track, name, None)
    track.analysis_filled = []


async def check_reference(session: AsyncSession, track: Track, field: str) -> MediaObject | None:
    """The object a reference names: visible, the track owner's, of the right kind."""
    object_id: uuid.UUID | None = getattr(track, field)
    if object_id is None:
        return None
    found = await session.get(MediaObject, object_id)
    if found is None:
        raise LinkedObjectNotFound(f"{field}: no object {object_id}.")
    if found.owner_id != track.created_by:
        raise ForeignObject(f"{field}: a track links only files its owner uploaded.")
    kind = KIND_OF_FIELD[field]
    if not found.content_type.startswith(kind):
        raise WrongObjectKind(
            f"{field} must name {kind[:-1]} (object {object_id} is {found.content_type})."
        )
    return found


@attachments.on_references_changed
async def track_references_changed(
    session: AsyncSession, track: Track, changed: frozenset[str]
) -> None:
    """Check each changed reference; a new audio link takes the audio's values at once."""
    for field in sorted(changed):
        await check_reference(session, track, field)
    if "audio_object_id" not in changed:
        return
    forget_filled(track)
    if track.audio_object_id is not None:
        audio = await session.scalar(
            select(AudioFile).where(AudioFile.object_id == track.audio_object_id)
        )
        if audio is not None:
            apply(track, analysed_values(audio))


async def fill_linked_tracks(session: AsyncSession, audio: AudioFile) -> int:
    """After analysis: every live track using this audio takes its values; returns how many
    tracks changed."""
    tracks = await session.scalars(
        select(Track)
        .where(Track.audio_object_id == audio.object_id, Track.deleted_at.is_(None))
        .order_by(Track.id)
        .with_for_update()
    )
    values, changed = analysed_values(audio), 0
    now = await session.scalar(select(func.now()))
    for track in tracks:
        if apply(track, values):
            track.updated_at = now  # type: ignore[assignment]
            changed += 1
    await session.flush()
    return changed


async def unlink_object(session: AsyncSession, object_id: uuid.UUID) -> None:
    """A deleted object leaves the tracks that used it, with what its analysis filled in."""
    tracks = await session.scalars(
        select(Track)
        .where((Track.audio_object_id == object_id) | (Track.cover_object_id == object_id))
        .with_for_update()
    )
    for track in tracks:
        if track.audio_object_id == object_id:
            track.audio_object_id = None
            forget_filled(track)
        if track.cover_object_id == object_id:
            track.cover_object_id = None
    await session.flush()
