"""History: every save a version stored as a patch, a checkpoint every N, any version rebuilt."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from backbeat.config import Settings
from backbeat.studio import documents
from backbeat.studio.documents import Json
from backbeat.studio.errors import DocumentTooLarge, VersionNotFound
from backbeat.studio.history import StoredVersion, is_checkpoint, rebuild
from backbeat.studio.models import Project, ProjectVersion
from backbeat.studio.service.access import lock_for_save, role_of
from backbeat.studio.service.snapshots import schedule_auto_snapshot


@dataclass(frozen=True)
class HistoryRules:
    """How history is kept (from settings)."""

    checkpoint_every: int
    max_document_bytes: int
    auto_snapshot_after: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> HistoryRules:
        return cls(
            settings.studio_checkpoint_every,
            settings.studio_max_document_bytes,
            timedelta(minutes=settings.studio_auto_snapshot_minutes),
        )


@dataclass(frozen=True)
class NewVersion:
    """What a save adds: the document, and the patch when the caller already has it exactly."""

    document: Json
    author: uuid.UUID
    device_id: str | None = None
    patch: list[dict[str, Any]] | None = None
    merged: bool = False
    restored_from: int | None = None


def check_size(document: Json | str, rules: HistoryRules) -> int:
    """The document's size in bytes (of its compact text, when given), or DocumentTooLarge."""
    size = len(document.encode()) if isinstance(document, str) else documents.size_of(document)
    if size > rules.max_document_bytes:
        raise DocumentTooLarge(
            f"The document is {size} bytes; the limit is {rules.max_document_bytes}.",
            limit=rules.max_document_bytes,
        )
    return size


def first_version(project: Project, author: uuid.UUID, size: int) -> ProjectVersion:
    """Version 1: a checkpoint, no patch."""
    return ProjectVersion(
        project_id=project.id,
        version=1,
        author_id=author,
        checkpoint=project.document,
        size_bytes=size,
        patch_bytes=0,
    )


async def commit_version(
    session: AsyncSession, project: Project, new: NewVersion, rules: HistoryRules
) -> ProjectVersion:
    """Append the next version to a locked project and move its head there. The document is
    serialised once: that text is both its size and what PostgreSQL stores."""
    text_form = documents.compact(new.document)
    size = check_size(text_form, rules)
    patch = (
        new.patch if new.patch is not None else documents.make_patch(project.document, new.document)
    )
    number = project.version + 1
    as_jsonb = cast(literal(text_form, Text), JSONB)
    checkpoint = is_checkpoint(number, rules.checkpoint_every)
    await session.execute(
        insert(ProjectVersion).values(
            project_id=project.id,
            version=number,
            author_id=new.author,
            device_id=new.device_id,
            patch=patch,
            checkpoint=as_jsonb if checkpoint else None,
            size_bytes=size,
            patch_bytes=documents.size_of(patch),
            merged=new.merged,
            restored_from=new.restored_from,
        )
    )
    await session.execute(
        update(Project)
        .where(Project.id == project.id)
        .values(
            document=as_jsonb,
            version=number,
            document_bytes=size,
            updated_at=func.now(),
            last_saved_at=func.now(),
        )
        .execution_options(synchronize_session=False)
    )
    for name, value in (("document", new.document), ("version", number), ("document_bytes", size)):
        set_committed_value(project, name, value)
    await schedule_auto_snapshot(
        session, project.id, now=datetime.now(UTC), after=rules.auto_snapshot_after
    )
    return ProjectVersion(project_id=project.id, version=number, merged=new.merged)


REBUILD_ROWS = text(
    "select version, patch, checkpoint from studio_project_versions "
    "where project_id = :project and version <= :version and version >= ("
    "  select max(version) from studio_project_versions "
    "  where project_id = :project and version <= :version and checkpoint is not null) "
    "order by version"
)


async def document_at(session: AsyncSession, project_id: uuid.UUID, version: int) -> Json:
    """The document of any version: its checkpoint and at most N-1 patches, in one query."""
    rows = (await session.execute(REBUILD_ROWS, {"project": project_id, "version": version})).all()
    if not rows or rows[-1].version != version:
        raise VersionNotFound(f"Project {project_id} has no version {version}.")
    return rebuild([StoredVersion(r.version, r.patch, r.checkpoint) for r in rows], version)


async def read_version(session: AsyncSession, project_id: uuid.UUID, version: int) -> Json:
    """A member's view of one version's document."""
    await role_of(session, project_id)
    return await document_at(session, project_id, version)


async def diff_versions(
    session: AsyncSession, project_id: uuid.UUID, source: int, target: int
) -> list[dict[str, Any]]:
    """The JSON Patch from one version to another (empty when they are equal)."""
    await role_of(session, project_id)
    before = await document_at(session, project_id, source)
    after = await document_at(session, project_id, target)
    return documents.make_patch(before, after)


async def restore_version(
    session: AsyncSession,
    project_id: uuid.UUID,
    version: int,
    *,
    actor: uuid.UUID,
    rules: HistoryRules,
) -> ProjectVersion:
    """A new head equal to an old version; history is never rewritten."""
    project = await lock_for_save(session, project_id)
    document = await document_at(session, project_id, version)
    new = NewVersion(document, actor, restored_from=version)
    return await commit_version(session, project, new, rules)


async def patch_since(
    session: AsyncSession, project_id: uuid.UUID, version: int
) -> list[dict[str, Any]] | None:
    """The JSON Patch from a version to the head (None when there is no such version)."""
    head = await session.scalar(select(Project.version).where(Project.id == project_id))
    if head is None or not 1 <= version <= head:
        return None
    before = await document_at(session, project_id, version)
    after = await session.scalar(select(Project.document).where(Project.id == project_id))
    return documents.make_patch(before, after)
