"""Cold start: what a user says they like at onboarding seeds their taste until listens do.

Saving the profile recomputes the user's vectors at once, with the centroid of the catalog
tracks it matches (taste_profile_tracks) counting as PROFILE_WEIGHT plays at the time it was
saved; as plays, likes and skips accumulate (and the profile's weight decays) they take over.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.taste.models import TasteProfile
from backbeat.taste.schemas import TasteProfileIn, TasteProfileOut
from backbeat.taste.service.vectors import recompute_user

LIST_FIELDS = frozenset({"genres", "favourite_artists"})


def tempo_bounds(tempo_range: str | None) -> tuple[float | None, float | None]:
    """`"120-160"` as (120.0, 160.0); None clears both."""
    if tempo_range is None:
        return None, None
    low, high = tempo_range.split("-")
    return float(low), float(high)


def profile_out(profile: TasteProfile | None) -> TasteProfileOut:
    """The profile as the API shows it (an empty one before onboarding)."""
    if profile is None:
        return TasteProfileOut(
            genres=[],
            favourite_artists=[],
            vibe=None,
            bass_level=None,
            tempo_range=None,
            explicit_lyrics=True,
            updated_at=None,
        )
    tempo = None
    if profile.tempo_min is not None and profile.tempo_max is not None:
        tempo = f"{profile.tempo_min:g}-{profile.tempo_max:g}"
    return TasteProfileOut(
        genres=profile.genres,
        favourite_artists=profile.favourite_artists,
        vibe=profile.vibe,
        bass_level=profile.bass_level,
        tempo_range=tempo,
        explicit_lyrics=profile.explicit_lyrics,
        updated_at=profile.updated_at,
    )


async def get_profile(session: AsyncSession, *, actor: uuid.UUID) -> TasteProfileOut:
    """The caller's onboarding profile."""
    return profile_out(await session.get(TasteProfile, actor))


async def update_profile(
    session: AsyncSession, change: TasteProfileIn, *, actor: uuid.UUID, half_life_days: float
) -> TasteProfileOut:
    """Change the fields the request names, then reseed the caller's taste vectors."""
    profile = await session.get(TasteProfile, actor)
    if profile is None:
        profile = TasteProfile(user_id=actor, genres=[], favourite_artists=[])
        session.add(profile)
    fields = change.model_dump(exclude_unset=True)
    if "tempo_range" in fields:
        profile.tempo_min, profile.tempo_max = tempo_bounds(fields.pop("tempo_range"))
    for name, value in fields.items():
        if name in LIST_FIELDS:
            setattr(profile, name, value or [])
        elif name != "explicit_lyrics" or value is not None:
            setattr(profile, name, value)
    profile.updated_at = datetime.now(UTC)
    await session.flush()
    await recompute_user(session, actor, half_life_days=half_life_days)
    await session.refresh(profile)
    return profile_out(profile)
