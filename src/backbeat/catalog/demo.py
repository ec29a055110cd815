"""Demo catalog: 16 artists and 59 tracks with the seed's sample-type mix, splits of one to four
payees and remix chains up to four levels deep. Deterministic, and idempotent on re-run."""

from __future__ import annotations

import random
import uuid
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.demo_artists import ARTISTS, demo_wallet, ensure_artists
from backbeat.catalog.models import Track
from backbeat.catalog.schemas import ParentIn, TrackIn
from backbeat.catalog.service.lineage import add_parent
from backbeat.catalog.service.tracks import create_track
from backbeat.catalog.shares import format_percentage, split_equal
from backbeat.identity.models import User

__all__ = ["ARTISTS", "load_catalog_demo"]

SAMPLE_MIX = (
    ("vocals", 20),
    ("beats", 15),
    ("full_backing_track", 12),
    ("leads_and_tops", 8),
    ("instrumental", 4),
)
WORDS = (
    "Midnight",
    "Golden",
    "Echo",
    "Drift",
    "Velvet",
    "Neon",
    "Solar",
    "Tide",
    "Ember",
    "Static",
    "Bloom",
    "Harbor",
    "Signal",
    "Orbit",
    "Cascade",
    "Lantern",
)
KEYS = ("C", "Am", "F#m", "G", "Eb", "Dm", "Bb", "E")
CHAINS = ((0, 20, 35, 47, 55), (1, 21, 36), (2, 22, 37, 48), (3, 23), (4, 24, 38, 49, 56))
"""Track numbers: each remixes the one before it (the longest chains are four edges deep)."""


def track_body(number: int, sample_type: str, artists: list[User], rng: random.Random) -> TrackIn:
    """Track `number`: its title, metadata, and composition and production sheets."""
    owner = artists[number % len(artists)]
    others = [a for a in artists if a.id != owner.id]
    payees = [owner, *rng.sample(others, rng.randint(0, 3))]
    shares = split_equal(len(payees))
    composition = [
        {"payee": demo_wallet(p.username), "share": format_percentage(s)}
        for p, s in zip(payees, shares, strict=True)
    ]
    production = [{"payee": f"user:{owner.id}", "share": "100"}]
    return TrackIn.model_validate(
        {
            "title": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {number + 1}",
            "artist": owner.display_name,
            "sample_type": sample_type,
            "bpm": rng.randrange(70, 175),
            "key": rng.choice(KEYS),
            "tags": rng.sample(["lofi", "house", "trap", "soul", "ambient", "afro", "jazz"], 2),
            "description": f"Demo {sample_type.replace('_', ' ')} by {owner.display_name}.",
            "splits": {
                "composition": {"entries": composition},
                "production": {"entries": production},
            },
        }
    )


async def load_catalog_demo(session: AsyncSession) -> list[str]:
    """Create what is missing; a second run finds every track by its demo key and adds nothing
    (the report is the same both times)."""
    artists = await ensure_artists(session)
    rng = random.Random(4)
    types = [t for t, count in SAMPLE_MIX for _ in range(count)]
    ids: list[uuid.UUID] = []
    created = 0
    for number, sample_type in enumerate(types):
        body = track_body(number, sample_type, artists, rng)
        owner = artists[number % len(artists)].id
        key = f"demo:{number}"
        existing = await session.scalar(
            select(Track.id).where(Track.created_by == owner, Track.import_key == key)
        )
        if existing is None:
            track = await create_track(
                session, body, actor=owner, consent_required=False, import_key=key
            )
            existing, created = track.id, created + 1
        ids.append(existing)
    if created:
        await link_chains(session, ids)
    return [f"{len(ARTISTS)} artists, {len(ids)} tracks, {len(CHAINS)} remix chains"]


async def link_chains(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    """Each track in a chain remixes the previous one at the seed's default 20 %."""
    rows = await session.execute(select(Track.id, Track.created_by).where(Track.id.in_(ids)))
    owners = {track_id: owner for track_id, owner in rows}
    for chain in CHAINS:
        for parent, child in pairwise(chain):
            body = ParentIn(parent_id=ids[parent])
            await add_parent(session, ids[child], body, actor=owners[ids[child]])
