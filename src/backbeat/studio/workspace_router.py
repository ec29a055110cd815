"""HTTP routes of a project's workspace: snapshots, files and stems, bounces, sessions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from backbeat.edge import AppSettings, DbSession
from backbeat.identity.auth import CurrentUser
from backbeat.studio.schemas import (
    BounceIn,
    BounceOut,
    FileIn,
    FileOut,
    FilePage,
    SessionEnd,
    SessionIn,
    SessionOut,
    SessionPage,
    SnapshotIn,
    SnapshotOut,
    SnapshotPage,
)
from backbeat.studio.service import files, sessions, snapshots

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["studio"])


@router.post("/snapshots", status_code=status.HTTP_201_CREATED, response_model=SnapshotOut)
async def create_snapshot(
    project_id: uuid.UUID, body: SnapshotIn, session: DbSession, user: CurrentUser
) -> SnapshotOut:
    """A manual or milestone snapshot of the head or of a given version."""
    snapshot = await snapshots.create_snapshot(session, project_id, body, actor=user.user_id)
    return SnapshotOut.model_validate(snapshot, from_attributes=True)


@router.get("/snapshots", response_model=SnapshotPage)
async def list_snapshots(
    project_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> SnapshotPage:
    """Snapshots, newest first (manual, milestone and auto)."""
    found = await snapshots.list_snapshots(session, project_id)
    return SnapshotPage(items=[SnapshotOut.model_validate(s, from_attributes=True) for s in found])


@router.post("/files", status_code=status.HTTP_201_CREATED, response_model=FileOut)
async def link_file(
    project_id: uuid.UUID, body: FileIn, session: DbSession, user: CurrentUser
) -> FileOut:
    """Link one of your objects in the project-audio bucket (stems keep media's stem type)."""
    return await files.link_file(session, project_id, body.object_id, actor=user.user_id)


@router.get("/files", response_model=FilePage)
async def list_files(project_id: uuid.UUID, session: DbSession, user: CurrentUser) -> FilePage:
    """The project's audio files and stems."""
    return FilePage(items=await files.list_files(session, project_id))


@router.post(
    "/versions/{version}/bounce", status_code=status.HTTP_201_CREATED, response_model=BounceOut
)
async def bounce_version(
    project_id: uuid.UUID,
    version: int,
    body: BounceIn,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
) -> BounceOut:
    """A private (draft) catalog track from this version, for the owner to publish."""
    row = await files.bounce(
        session,
        project_id,
        version,
        body,
        actor=user.user_id,
        consent_required=settings.split_consent_required,
    )
    return BounceOut(track_id=row.track_id, project_id=row.project_id, version=row.version)


def _session_out(record: sessions.SessionRecord) -> SessionOut:
    return SessionOut.model_validate(
        {
            **{
                c: getattr(record.session, c)
                for c in SessionOut.model_fields
                if c not in ("participants", "versions")
            },
            "participants": [
                {
                    "user_id": p.user_id,
                    "role": p.role,
                    "joined_at": p.joined_at,
                    "left_at": p.left_at,
                }
                for p in record.participants
            ],
            "versions": record.versions,
        }
    )


@router.post("/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionOut)
async def start_session(
    project_id: uuid.UUID, body: SessionIn, session: DbSession, user: CurrentUser
) -> SessionOut:
    """Start the project's collaboration session (one at a time); members who open the live
    socket while it runs join it."""
    record = await sessions.start_session(
        session, project_id, name=body.name, notes=body.notes, actor=user.user_id
    )
    return _session_out(record)


@router.post("/sessions/{session_id}/end", response_model=SessionOut)
async def end_session(
    project_id: uuid.UUID,
    session_id: uuid.UUID,
    body: SessionEnd,
    session: DbSession,
    user: CurrentUser,
) -> SessionOut:
    """End a running session."""
    record = await sessions.end_session(session, project_id, session_id, notes=body.notes)
    return _session_out(record)


@router.get("/sessions", response_model=SessionPage)
async def list_sessions(
    project_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> SessionPage:
    """The project's sessions, newest first, with participants and versions."""
    return SessionPage(
        items=[_session_out(r) for r in await sessions.list_sessions(session, project_id)]
    )
