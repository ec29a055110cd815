"""Snapshots: named points in history (manual, milestone), and auto ones a job takes after a
burst of edits; a snapshot may carry the audio analysis of a bounce."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.media.models import AudioFile, MediaObject
from backbeat.studio.errors import NotProjectAudio, VersionNotFound
from backbeat.studio.models import Project, ProjectSnapshot
from backbeat.studio.schemas import SnapshotIn
from backbeat.studio.service.access import require_editor, role_of

AUTO_SNAPSHOT_TASK = "studio.auto_snapshot"
PROJECT_AUDIO = "project-audio"


def analysis_of(audio: AudioFile) -> dict[str, Any]:
    """What media's analysis found, as a snapshot shows it."""
    found = {
        "loudness_lufs": audio.loudness_lufs,
        "true_peak_dbtp": audio.true_peak_dbtp,
        "bpm": audio.bpm,
        "key": audio.key,
        "duration_seconds": audio.duration_seconds,
        "sample_rate": audio.sample_rate,
        "channels": audio.channels,
    }
    return {"status": audio.analysis_status, **{k: v for k, v in found.items() if v is not None}}


async def own_project_audio(
    session: AsyncSession, object_id: uuid.UUID, actor: uuid.UUID
) -> MediaObject:
    """One of the caller's objects in the project-audio bucket (media's RLS shows only theirs)."""
    found = await session.get(MediaObject, object_id)
    if found is None or found.owner_id != actor or found.bucket != PROJECT_AUDIO:
        raise NotProjectAudio(
            f"{object_id} is not one of your objects in the {PROJECT_AUDIO} bucket."
        )
    return found


async def audio_analysis(session: AsyncSession, object_id: uuid.UUID) -> dict[str, Any] | None:
    """The analysis media stored for an audio object, if any (media's own row, read as is)."""
    audio = await session.scalar(select(AudioFile).where(AudioFile.object_id == object_id))
    return analysis_of(audio) if audio is not None else None


def musical_context(project: Project) -> dict[str, Any]:
    """The project's tempo, key and metre at snapshot time."""
    bpm = float(project.bpm) if project.bpm is not None else None
    return {"bpm": bpm, "key": project.key, "time_signature": project.time_signature}


async def create_snapshot(
    session: AsyncSession, project_id: uuid.UUID, body: SnapshotIn, *, actor: uuid.UUID
) -> ProjectSnapshot:
    """A manual or milestone snapshot of the head (or a given version)."""
    await require_editor(session, project_id)
    project = await session.get_one(Project, project_id)
    version = body.version or project.version
    if version > project.version:
        raise VersionNotFound(f"Project {project_id} has no version {version}.")
    analysis = None
    if body.audio_object_id is not None:
        await own_project_audio(session, body.audio_object_id, actor)
        analysis = await audio_analysis(session, body.audio_object_id)
    snapshot = ProjectSnapshot(
        project_id=project_id,
        version=version,
        kind=body.kind,
        name=body.name,
        description=body.description,
        audio_object_id=body.audio_object_id,
        audio_analysis=analysis,
        musical_context=body.musical_context or musical_context(project),
        created_by=actor,
    )
    session.add(snapshot)
    await session.flush()
    await session.refresh(snapshot)
    return snapshot


async def list_snapshots(session: AsyncSession, project_id: uuid.UUID) -> list[ProjectSnapshot]:
    """A project's snapshots, newest first."""
    await role_of(session, project_id)
    query = (
        select(ProjectSnapshot)
        .where(ProjectSnapshot.project_id == project_id)
        .order_by(ProjectSnapshot.created_at.desc(), ProjectSnapshot.version.desc())
    )
    return list(await session.scalars(query))


async def schedule_auto_snapshot(
    session: AsyncSession, project_id: uuid.UUID, *, now: datetime, after: timedelta
) -> None:
    """After the first edit of a burst: one auto snapshot job waits `after` (one per project)."""
    await jobs.enqueue(
        session,
        AUTO_SNAPSHOT_TASK,
        {"project_id": str(project_id)},
        idempotency_key=f"{AUTO_SNAPSHOT_TASK}:{project_id}",
        scheduled_at=now + after,
    )


async def take_auto_snapshot(
    session: AsyncSession, project_id: uuid.UUID
) -> ProjectSnapshot | None:
    """The job (owner session): snapshot the head unless the last auto snapshot holds it."""
    project = await session.get(Project, project_id)
    if project is None:
        return None
    last = await session.scalar(
        select(ProjectSnapshot.version)
        .where(ProjectSnapshot.project_id == project_id, ProjectSnapshot.kind == "auto")
        .order_by(ProjectSnapshot.version.desc())
        .limit(1)
    )
    if last == project.version:
        return None
    snapshot = ProjectSnapshot(
        project_id=project_id,
        version=project.version,
        kind="auto",
        name=f"Auto: version {project.version}",
        musical_context=musical_context(project),
    )
    session.add(snapshot)
    await session.flush()
    return snapshot
