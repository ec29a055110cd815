"""What a generation is shaped by: its source track, or the user's taste (what they liked and
played), turned into a recipe with the seed's variation, an explanation and a match."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.taste.creations_models import Generation
from backbeat.taste.generators import Recipe, Reference, Shape, key_name, parse_key
from backbeat.taste.service.embeddings import Vector, match_percent, track_vector, user_taste_vector

TASTE_REFERENCES = 10
TRACK_FACTS = """
select t.id, t.title, t.artist, t.bpm, t.key, a.loudness_lufs
from catalog_tracks t left join media_audio_files a on a.object_id = t.audio_object_id
"""
SOURCE = TRACK_FACTS + "where t.id = :track"
TASTE = f"""
with weighted as (
  select track_id, 2.0 as weight from library_likes where user_id = :user
  union all
  select track_id, case when skipped then -1.0 else 1.0 end from listening_listens
  where user_id = :user and track_id is not null and listened_at > now() - interval '90 days'
), top as (
  select track_id, sum(weight) as weight from weighted group by track_id
  having sum(weight) > 0 order by sum(weight) desc, track_id limit {TASTE_REFERENCES}
)
{TRACK_FACTS}
join top on top.track_id = t.id
where t.deleted_at is null and (t.visibility <> 'private' or t.created_by = :user)
order by top.weight desc, t.id
"""  # noqa: S608 - constants only
"""Liked tracks count twice, plays once, skips against; only tracks the user may still see."""


@dataclass(frozen=True)
class Influence:
    """A track the shape was taken from."""

    track_id: uuid.UUID
    title: str
    artist: str
    reference: Reference

    def as_json(self) -> dict[str, Any]:
        return {"track_id": str(self.track_id), "title": self.title, "artist": self.artist}


@dataclass(frozen=True)
class Plan:
    """A generation's recipe, what shaped it, and what to tell the user about it."""

    recipe: Recipe
    influences: list[Influence]
    explanation: str
    match: int | None


async def influences_of(session: AsyncSession, generation: Generation) -> list[Influence]:
    """The source track, or (no Backbeat source) the user's strongest liked and played tracks."""
    if generation.source_track_id is not None:
        rows = await session.execute(text(SOURCE), {"track": generation.source_track_id})
    else:
        rows = await session.execute(text(TASTE), {"user": generation.user_id})
    return [
        Influence(r.id, r.title, r.artist, Reference(r.bpm, r.key, r.loudness_lufs)) for r in rows
    ]


def vary(shape: Shape, mode: str, seed: int) -> Shape:
    """The seed's variation on the wanted shape: `extend` keeps it, `similar` moves a little,
    `new` and `radio` more (radio may move to the relative key)."""
    if mode == "extend":
        return shape
    rng = np.random.default_rng(seed)
    spread = 0.03 if mode == "similar" else 0.08
    bpm = round(min(200.0, max(60.0, shape.bpm * (1 + spread * float(rng.uniform(-1, 1))))), 1)
    energy = round(min(1.0, max(0.0, shape.energy + 2 * spread * float(rng.uniform(-1, 1)))), 3)
    key = shape.key
    if mode == "radio" and rng.random() < 0.3:
        tonic, minor = parse_key(key)
        key = key_name(tonic + (3 if minor else -3), not minor)
    return Shape(bpm, key, energy)


def explain(mode: str, influences: list[Influence], external_id: str | None) -> str:
    """'Because you like …' for taste, 'Similar to …' / 'Extends …' / 'A radio piece from …' for a
    source; an external source (which Backbeat cannot hear) is named, with the taste that shaped
    the track in its place."""
    names = [f"{i.title} by {i.artist}" for i in influences[:3]]
    listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
    lead = {"similar": "Similar to", "extend": "Extends", "radio": "A radio piece from"}
    if external_id is not None and mode in lead:
        taste = f", shaped by what you like ({listed})" if names else ""
        return f"{lead[mode]} {external_id}{taste}."
    if not names:
        source = f"{external_id}" if external_id else "nothing you played yet"
        return f"Made from scratch ({source}); play and like tracks to shape the next ones."
    return f"{lead.get(mode, 'Because you like')} {listed}."


async def reference_vector(session: AsyncSession, generation: Generation) -> Vector | None:
    """What the made track is matched against: its source track's vector, else the user's taste
    (both in the built-in audio model), or None when neither exists yet."""
    if generation.source_track_id is not None:
        return await track_vector(session, generation.source_track_id)
    return await user_taste_vector(session, generation.user_id)


def vector_match(reference: Vector | None, made: Vector, fallback: int | None) -> int | None:
    """The cosine match of the made track's audio with the reference; the shape's match when
    there is no reference vector to compare with."""
    if reference is None or reference.shape != made.shape:
        return fallback
    return match_percent(1.0 - float(np.dot(reference, made)))
