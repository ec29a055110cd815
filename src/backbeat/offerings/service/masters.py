"""Masters: a catalog track's lifecycle draft → in_vstudio → locked → minted → listed → sold.

Each step is guarded (no offering before `locked`, no `minted` without one, nothing back once
minted) and audited with who and when. Locking freezes the audio and cover CIDs from media;
minting records the collection metadata's CID; listing sets `published_at`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Track
from backbeat.catalog.service.access import visible_track
from backbeat.offerings.errors import NotYourMaster, TransitionRefused
from backbeat.offerings.models import Master, MasterTransition, Offering
from backbeat.offerings.schemas import MasterIn, MasterOut, MasterState, TransitionOut
from backbeat.offerings.service.metadata import contract_metadata
from backbeat.royalties.service.access import Principal, is_admin

LIFECYCLE: dict[str, tuple[MasterState, ...]] = {
    "draft": ("in_vstudio", "locked"),
    "in_vstudio": ("draft", "locked"),
    "locked": ("draft", "minted"),
    "minted": ("listed",),
    "listed": ("sold",),
    "sold": (),
}
"""Every step the lifecycle allows; `allowed_steps` narrows it by the master's offering."""

MEDIA_CIDS_SQL = """
select (select o.cid from media_objects o where o.id = t.audio_object_id),
       (select o.cid from media_objects o where o.id = t.cover_object_id)
from catalog_tracks t where t.id = :track
"""


def allowed_steps(state: str, has_offering: bool) -> list[MasterState]:
    """`minted` needs an offering; a master with an offering cannot go back to draft."""
    steps = LIFECYCLE[state]
    if has_offering:
        return [step for step in steps if step != "draft"]
    return [step for step in steps if step != "minted"]


async def managed_track(session: AsyncSession, track_id: uuid.UUID, caller: Principal) -> Track:
    """A track the caller created (or any, for an admin)."""
    track = await visible_track(session, track_id)
    if track.created_by != caller.user_id and not is_admin(caller):
        raise NotYourMaster("Only the track's creator or an admin manages its master.")
    return track


async def ensure_master(session: AsyncSession, track_id: uuid.UUID, *, lock: bool) -> Master:
    """The master row of a track, created in `draft` on first use."""
    await session.execute(
        text(
            "insert into offerings_masters (track_id) values (:t) on conflict (track_id) do nothing"
        ),
        {"t": track_id},
    )
    statement = select(Master).where(Master.track_id == track_id)
    found = await session.scalar(statement.with_for_update() if lock else statement)
    assert found is not None
    return found


async def has_offering(session: AsyncSession, track_id: uuid.UUID) -> bool:
    found = await session.scalar(select(Offering.id).where(Offering.track_id == track_id))
    return found is not None


async def get_master(session: AsyncSession, track_id: uuid.UUID) -> MasterOut:
    """Any visible track is a master; one never touched is a draft without history."""
    await visible_track(session, track_id)
    master = await session.get(Master, track_id)
    history = await session.scalars(
        select(MasterTransition)
        .where(MasterTransition.track_id == track_id)
        .order_by(MasterTransition.at, MasterTransition.id)
    )
    offered = await has_offering(session, track_id)
    return MasterOut(
        track_id=track_id,
        state=master.state if master else "draft",
        genre=master.genre if master else None,
        mood_tags=master.mood_tags if master else [],
        audio_cid=master.audio_cid if master else None,
        cover_cid=master.cover_cid if master else None,
        metadata_cid=master.metadata_cid if master else None,
        published_at=master.published_at if master else None,
        allowed=allowed_steps(master.state if master else "draft", offered),
        history=[
            TransitionOut(
                from_state=row.from_state,
                to_state=row.to_state,
                actor_id=row.actor_id,
                at=row.at,
            )
            for row in history.all()
        ],
    )


async def describe_master(
    session: AsyncSession, track_id: uuid.UUID, body: MasterIn, *, caller: Principal
) -> MasterOut:
    """Genre and mood tags, while the master is not yet minted."""
    await managed_track(session, track_id, caller)
    master = await ensure_master(session, track_id, lock=True)
    if master.state in ("minted", "listed", "sold"):
        raise TransitionRefused("A minted master's description is fixed.", allowed=[])
    master.genre, master.mood_tags = body.genre, body.mood_tags
    master.updated_at = await _now(session)
    await session.flush()
    return await get_master(session, track_id)


async def transition(
    session: AsyncSession,
    track_id: uuid.UUID,
    to: MasterState,
    *,
    caller: Principal,
) -> MasterOut:
    """One guarded, audited step; 409 names the steps allowed from here."""
    await managed_track(session, track_id, caller)
    master = await ensure_master(session, track_id, lock=True)
    cid = (await contract_metadata(session, track_id)).cid if to == "minted" else None
    await step(session, master, to, actor=caller.user_id, metadata_cid=cid)
    return await get_master(session, track_id)


async def step(
    session: AsyncSession,
    master: Master,
    to: MasterState,
    *,
    actor: uuid.UUID | None,
    metadata_cid: str | None = None,
) -> None:
    """Moves a locked master row one step (callers checked who may)."""
    allowed = allowed_steps(master.state, await has_offering(session, master.track_id))
    if to not in allowed:
        raise TransitionRefused(
            f"A {master.state} master cannot become {to}; allowed: {', '.join(allowed) or 'none'}.",
            state=master.state,
            allowed=allowed,
        )
    now = await _now(session)
    if to == "locked":
        audio, cover = (
            await session.execute(text(MEDIA_CIDS_SQL), {"track": master.track_id})
        ).one()
        master.audio_cid, master.cover_cid = audio, cover
    if to == "minted":
        master.metadata_cid = metadata_cid
    if to == "listed":
        master.published_at = now
    session.add(
        MasterTransition(
            track_id=master.track_id, from_state=master.state, to_state=to, actor_id=actor
        )
    )
    master.state, master.updated_at = to, now
    await session.flush()


async def _now(session: AsyncSession) -> datetime:
    """The transaction's instant (what `server_default=now()` columns get too)."""
    found = await session.scalar(select(func.now()))
    assert found is not None
    return found
