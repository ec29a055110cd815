"""A track's cover and audio references, checked and filled by the domain that stores files.

Media depends on the catalog, never the reverse, so the media domain registers a hook here. A
reference set while no hook is registered is refused rather than stored unchecked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Track
from backbeat.errors import Unprocessable

REFERENCE_FIELDS = ("audio_object_id", "cover_object_id")
ANALYSED_FIELDS = ("bpm", "key", "duration_seconds")
"""Fields the audio analysis fills on a linked track, unless the owner set them."""

ReferenceHook = Callable[[AsyncSession, Track, frozenset[str]], Awaitable[None]]
_hooks: list[ReferenceHook] = []


def on_references_changed(hook: ReferenceHook) -> ReferenceHook:
    """Register a check (and fill) that runs when a track's media references change."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


async def references_changed(session: AsyncSession, track: Track, changed: frozenset[str]) -> None:
    """Run the registered hooks for the reference fields that now hold a different value."""
    if not changed:
        return
    if not _hooks:
        raise Unprocessable("Media references cannot be checked: the media domain is not loaded.")
    for hook in _hooks:
        await hook(session, track, changed)


def changed_references(track: Track, before: dict[str, Any]) -> frozenset[str]:
    """The reference fields whose value differs from `before`."""
    return frozenset(f for f in REFERENCE_FIELDS if getattr(track, f) != before.get(f))


def mark_owner_set(track: Track, fields: set[str]) -> None:
    """Fields the owner wrote are theirs: analysis no longer overwrites them."""
    track.analysis_filled = [f for f in track.analysis_filled or [] if f not in fields]
