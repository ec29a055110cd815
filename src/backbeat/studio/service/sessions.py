"""Collaboration sessions: one running session per project at a time; members who open the
project's live socket while it runs become participants (role, join and leave times); a session
lists the versions saved while it ran."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.studio.errors import SessionAlreadyRunning, SessionNotFound
from backbeat.studio.models import CollaborationSession, ProjectVersion, SessionParticipant
from backbeat.studio.service.access import require_editor, role_of


@dataclass(frozen=True)
class SessionRecord:
    """A session with its participants and the versions saved while it ran."""

    session: CollaborationSession
    participants: list[SessionParticipant]
    versions: list[int]


async def start_session(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    name: str | None,
    notes: str | None,
    actor: uuid.UUID,
) -> SessionRecord:
    """Start the project's session (an editor's); the starter is its first participant."""
    role = await require_editor(session, project_id)
    started = CollaborationSession(project_id=project_id, name=name, notes=notes, started_by=actor)
    try:
        async with session.begin_nested():
            session.add(started)
    except IntegrityError:
        raise SessionAlreadyRunning("A session is already running on this project.") from None
    await join_running(session, project_id, actor, role)
    return await _record(session, project_id, started.id)


async def end_session(
    session: AsyncSession, project_id: uuid.UUID, session_id: uuid.UUID, *, notes: str | None
) -> SessionRecord:
    """End a running session; everyone still in it leaves now."""
    await require_editor(session, project_id)
    found = await session.get(CollaborationSession, session_id)
    if found is None or found.project_id != project_id:
        raise SessionNotFound(f"No session {session_id} on project {project_id}.")
    if found.ended_at is not None:
        raise SessionAlreadyRunning("That session has already ended.")
    found.ended_at = func.now()
    if notes is not None:
        found.notes = notes
    await session.execute(
        update(SessionParticipant)
        .where(SessionParticipant.session_id == session_id, SessionParticipant.left_at.is_(None))
        .values(left_at=func.now())
    )
    await session.flush()
    return await _record(session, project_id, session_id)


async def _record(
    session: AsyncSession, project_id: uuid.UUID, session_id: uuid.UUID
) -> SessionRecord:
    (record,) = [r for r in await list_sessions(session, project_id) if r.session.id == session_id]
    return record


async def _running(session: AsyncSession, project_id: uuid.UUID) -> uuid.UUID | None:
    query = select(CollaborationSession.id).where(
        CollaborationSession.project_id == project_id, CollaborationSession.ended_at.is_(None)
    )
    found: uuid.UUID | None = await session.scalar(query)
    return found


async def join_running(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, role: str
) -> None:
    """The member is in the running session, if there is one (again, if they had left)."""
    running = await _running(session, project_id)
    if running is None:
        return
    statement = insert(SessionParticipant).values(
        session_id=running, user_id=user_id, project_id=project_id, role=role
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["session_id", "user_id"], set_={"left_at": None, "role": role}
        )
    )


async def leave_running(session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The member left the running session."""
    running = await _running(session, project_id)
    if running is not None:
        await session.execute(
            update(SessionParticipant)
            .where(SessionParticipant.session_id == running, SessionParticipant.user_id == user_id)
            .values(left_at=func.now())
        )


async def list_sessions(session: AsyncSession, project_id: uuid.UUID) -> list[SessionRecord]:
    """The project's sessions, newest first, each with participants and versions."""
    await role_of(session, project_id)
    found = list(
        await session.scalars(
            select(CollaborationSession)
            .where(CollaborationSession.project_id == project_id)
            .order_by(CollaborationSession.started_at.desc())
            .execution_options(populate_existing=True)
        )
    )
    people = list(
        await session.scalars(
            select(SessionParticipant)
            .where(SessionParticipant.project_id == project_id)
            .order_by(SessionParticipant.joined_at)
            .execution_options(populate_existing=True)
        )
    )
    since = min((s.started_at for s in found), default=None)
    saved = (
        []
        if since is None
        else (
            await session.execute(
                select(ProjectVersion.version, ProjectVersion.created_at)
                .where(ProjectVersion.project_id == project_id, ProjectVersion.created_at >= since)
                .order_by(ProjectVersion.version)
            )
        ).all()
    )
    return [
        SessionRecord(
            s,
            [p for p in people if p.session_id == s.id],
            [v for v, at in saved if _within(at, s.started_at, s.ended_at)],
        )
        for s in found
    ]


def _within(at: datetime, start: datetime, end: datetime | None) -> bool:
    return start <= at and (end is None or at <= end)
