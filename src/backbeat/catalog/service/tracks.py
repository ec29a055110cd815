"""Tracks: create (with sheets, parents and credits in one call), read, patch, soft delete."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import outbox
from backbeat.catalog.models import Track, TrackContact
from backbeat.catalog.schemas import CreditOut, License, SheetIn, TrackIn, TrackOut, TrackPatch
from backbeat.catalog.service import attachments, audit, lineage, sheets
from backbeat.catalog.service.access import owned_track
from backbeat.catalog.service.credits import add_credits, credits_of
from backbeat.catalog.shares import PPM, PayeeRef, SplitLine
from backbeat.catalog.vocabulary import SheetKind

RIGHTS_FIELDS = (
    "title",
    "artist",
    "sample_type",
    "isrc",
    "iswc",
    "license_derivatives",
    "license_commercial",
    "license_attribution",
    "visibility",
    "stem_type",
)
"""Fields whose every change is audited (description, tags and the like are not rights)."""


def track_out(
    track: Track, contact_info: dict[str, str] | None, credits: list[CreditOut]
) -> TrackOut:
    """The API shape; contact_info is None unless the caller owns the track."""
    return TrackOut(
        id=track.id,
        title=track.title,
        artist=track.artist,
        description=track.description,
        tags=list(track.tags or []),
        sample_type=track.sample_type,
        loop_category=track.loop_category,
        bpm=track.bpm,
        key=track.key,
        duration_seconds=track.duration_seconds,
        isrc=track.isrc,
        iswc=track.iswc,
        license=License(
            derivatives=track.license_derivatives,
            commercial=track.license_commercial,
            attribution=track.license_attribution,
        ),
        social_urls=dict(track.social_urls or {}),
        contact_info=contact_info,
        visibility=track.visibility,
        stem_type=track.stem_type,
        cover_object_id=track.cover_object_id,
        audio_object_id=track.audio_object_id,
        created_by=track.created_by,
        created_at=track.created_at,
        updated_at=track.updated_at,
        credits=credits,
    )


def rights_of(track: Track) -> dict[str, Any]:
    """The audited fields' current values."""
    return {name: getattr(track, name) for name in RIGHTS_FIELDS}


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    """API fields → column values (the license object is three flag columns)."""
    values = {k: v for k, v in fields.items() if k not in ("license", "contact_info")}
    if fields.get("license") is not None:
        license_ = License.model_validate(fields["license"])
        values |= {
            "license_derivatives": license_.derivatives,
            "license_commercial": license_.commercial,
            "license_attribution": license_.attribution,
        }
    return values


async def announce_if_published(session: AsyncSession, track: Track, *, was_public: bool) -> None:
    """`track.published` (docs/webhooks.md) when the track has just become public."""
    if track.visibility == "public" and not was_public:
        data = {"track_id": track.id, "title": track.title, "artist": track.artist}
        await outbox.emit(session, "track.published", data, owner_id=track.created_by)


async def create_track(
    session: AsyncSession,
    body: TrackIn,
    *,
    actor: uuid.UUID,
    consent_required: bool,
    import_key: str | None = None,
) -> TrackOut:
    """The track, its contact info, both sheets (default: the creator 100 %), parents, credits."""
    fields = body.model_dump(exclude={"splits", "parents", "credits"})
    track = Track(id=uuid.uuid4(), created_by=actor, import_key=import_key, **_columns(fields))
    session.add(track)
    if body.contact_info:
        session.add(TrackContact(track_id=track.id, contact_info=body.contact_info))
    await session.flush()
    await session.refresh(track)
    await attachments.references_changed(session, track, attachments.changed_references(track, {}))
    await audit.record(
        session, track.id, actor=actor, action="track.create", before=None, after=rights_of(track)
    )
    for kind in SheetKind:
        requested = getattr(body.splits, kind.value, None) if body.splits else None
        lines = (
            await sheets.lines_for(session, requested, kind, actor=actor)
            if requested
            else [SplitLine(PayeeRef(user_id=actor), PPM, sheets.DEFAULT_ROLE[kind])]
        )
        await sheets.write_version(
            session,
            track.id,
            kind,
            lines,
            actor=actor,
            effective_from=requested.effective_from if isinstance(requested, SheetIn) else None,
            consent_required=consent_required and requested is not None,
        )
    for parent in body.parents:
        await lineage.add_parent(session, track.id, parent, actor=actor)
    credits = await add_credits(session, track.id, body.credits)
    await announce_if_published(session, track, was_public=False)
    return track_out(track, body.contact_info, credits)


async def contact_info_for(
    session: AsyncSession, track: Track, actor: uuid.UUID | None
) -> dict[str, str] | None:
    """The owner's view of contact info; None for everyone else."""
    if actor is None or track.created_by != actor:
        return None
    info = await session.scalar(
        select(TrackContact.contact_info).where(TrackContact.track_id == track.id)
    )
    return dict(info or {})


async def patch_track(
    session: AsyncSession, track_id: uuid.UUID, body: TrackPatch, *, actor: uuid.UUID
) -> TrackOut:
    """Change the given fields; changes to rights fields are audited."""
    track = await owned_track(session, track_id, actor, lock=True)
    before = rights_of(track)
    references = {name: getattr(track, name) for name in attachments.REFERENCE_FIELDS}
    changes = body.model_dump(exclude_unset=True)
    for name, value in _columns(changes).items():
        setattr(track, name, value)
    attachments.mark_owner_set(track, set(changes) & set(attachments.ANALYSED_FIELDS))
    await attachments.references_changed(
        session, track, attachments.changed_references(track, references)
    )
    track.updated_at = await session.scalar(select(func.now()))  # type: ignore[assignment]
    if "contact_info" in changes:
        await _set_contact_info(session, track.id, changes["contact_info"] or {})
    await session.flush()
    after = rights_of(track)
    changed = [name for name in RIGHTS_FIELDS if before[name] != after[name]]
    if changed:
        await audit.record(
            session,
            track.id,
            actor=actor,
            action="track.update",
            before={n: before[n] for n in changed},
            after={n: after[n] for n in changed},
        )
    await announce_if_published(session, track, was_public=before["visibility"] == "public")
    contact_info = await contact_info_for(session, track, actor)
    return track_out(track, contact_info, await credits_of(session, track.id))


async def _set_contact_info(
    session: AsyncSession, track_id: uuid.UUID, info: dict[str, str]
) -> None:
    row = await session.get(TrackContact, track_id)
    if row is None:
        session.add(TrackContact(track_id=track_id, contact_info=info))
    else:
        row.contact_info = info


async def delete_track(session: AsyncSession, track_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    """Soft delete: the row, its sheets, edges and ledger references stay."""
    track = await owned_track(session, track_id, actor, lock=True)
    now = await session.scalar(select(func.now()))
    track.deleted_at = now
    track.updated_at = now  # type: ignore[assignment]
    await audit.record(
        session,
        track.id,
        actor=actor,
        action="track.delete",
        before={"deleted_at": None},
        after={"deleted_at": now},
    )
    await session.flush()
