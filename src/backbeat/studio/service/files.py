"""A project's audio files and stems (media objects in project-audio), and bounces of a version
to a draft catalog track that remembers where it came from."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog import service as catalog
from backbeat.catalog.schemas import TrackIn
from backbeat.catalog.vocabulary import Visibility
from backbeat.studio.errors import AlreadyLinked, VersionNotFound
from backbeat.studio.models import Bounce, Project, ProjectFile, ProjectSnapshot
from backbeat.studio.schemas import BounceIn, FileOut
from backbeat.studio.service.access import require_editor, require_owner, role_of
from backbeat.studio.service.snapshots import audio_analysis, musical_context, own_project_audio

FILES = text(
    "select * from studio_project_file_details where project_id = :project "
    "order by added_at, object_id"
)


async def link_file(
    session: AsyncSession, project_id: uuid.UUID, object_id: uuid.UUID, *, actor: uuid.UUID
) -> FileOut:
    """Link one of the caller's project-audio objects (an editor's)."""
    await require_editor(session, project_id)
    await own_project_audio(session, object_id, actor)
    try:
        async with session.begin_nested():
            session.add(ProjectFile(project_id=project_id, object_id=object_id, added_by=actor))
    except IntegrityError:
        raise AlreadyLinked(f"{object_id} is already linked to this project.") from None
    (linked,) = [f for f in await list_files(session, project_id) if f.object_id == object_id]
    return linked


async def list_files(session: AsyncSession, project_id: uuid.UUID) -> list[FileOut]:
    """Every member sees every linked file (the view reads media's rows for members)."""
    await role_of(session, project_id)
    rows = (await session.execute(FILES, {"project": project_id})).mappings().all()
    return [FileOut.model_validate(dict(row)) for row in rows]


async def bounce(
    session: AsyncSession,
    project_id: uuid.UUID,
    version: int,
    body: BounceIn,
    *,
    actor: uuid.UUID,
    consent_required: bool,
) -> Bounce:
    """A private (draft) catalog track from a version, and a milestone snapshot holding the
    bounce's audio analysis (owner only: the track is theirs to publish)."""
    await require_owner(session, project_id)
    project = await session.get_one(Project, project_id)
    if not 1 <= version <= project.version:
        raise VersionNotFound(f"Project {project_id} has no version {version}.")
    analysis = None
    if body.audio_object_id is not None:
        await own_project_audio(session, body.audio_object_id, actor)
        analysis = await audio_analysis(session, body.audio_object_id)
    track = await catalog.create_track(
        session,
        TrackIn(
            title=body.title,
            artist=body.artist,
            sample_type="song",
            visibility=Visibility.PRIVATE,
            tags=project.tags,
            bpm=float(project.bpm) if project.bpm is not None else None,
            key=project.key,
            audio_object_id=body.audio_object_id,
        ),
        actor=actor,
        consent_required=consent_required,
    )
    row = Bounce(track_id=track.id, project_id=project_id, version=version, bounced_by=actor)
    session.add(row)
    session.add(
        ProjectSnapshot(
            project_id=project_id,
            version=version,
            kind="milestone",
            name=f"Bounce: {body.title}",
            audio_object_id=body.audio_object_id,
            audio_analysis=analysis,
            musical_context=musical_context(project),
            created_by=actor,
        )
    )
    await session.flush()
    return row
