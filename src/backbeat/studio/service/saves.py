"""Saves: a full PUT guarded by If-Match, and a JSON Patch against a base version that the
server rebases over the edits since (three-way merge) or refuses with the conflicting paths."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.studio import documents
from backbeat.studio.errors import (
    PatchNotApplicable,
    PreconditionRequired,
    SaveConflict,
    VersionMismatch,
)
from backbeat.studio.models import Project
from backbeat.studio.schemas import ProjectSave
from backbeat.studio.service import recall
from backbeat.studio.service.access import lock_for_save
from backbeat.studio.service.versions import (
    HistoryRules,
    NewVersion,
    commit_version,
    document_at,
    patch_since,
)

ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')


@dataclass(frozen=True)
class Saved:
    """The new head, and whether the server merged the patch over other edits."""

    project_id: uuid.UUID
    version: int
    merged: bool


def etag(version: int) -> str:
    """A version as an entity tag."""
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match names; None when it names none we could hold (always stale)."""
    if if_match is None:
        raise PreconditionRequired('A full save needs `If-Match: "<version>"`.')
    found = ETAG.match(if_match)
    return int(found.group(1)) if found else None


async def put_project(
    session: AsyncSession,
    project_id: uuid.UUID,
    body: ProjectSave,
    *,
    if_match: str | None,
    actor: uuid.UUID,
    rules: HistoryRules,
) -> Saved:
    """Replace the document (and any given fields) if the client holds the head, else 412 with
    the patch from its version to the head so it can rebase."""
    expected = expected_version(if_match)
    project = await lock_for_save(session, project_id)
    if expected != project.version:
        raise VersionMismatch(
            f"The head is version {project.version}, not {if_match}.",
            headers={"ETag": etag(project.version)},
            current_version=project.version,
            patch=await patch_since(session, project_id, expected) if expected else None,
        )
    fields = body.model_dump(exclude_unset=True, exclude={"document", "device_id"})
    if fields:
        await session.execute(update(Project).where(Project.id == project_id).values(**fields))
        await recall.observe_project(
            session, project_id, fields, version=project.version + 1, user=actor
        )
    new = NewVersion(body.document, actor, device_id=body.device_id)
    row = await commit_version(session, project, new, rules)
    return Saved(project_id, row.version, merged=False)


def _conflict_error(conflicts: list[documents.Conflict]) -> SaveConflict:
    listed = [{"path": c.path, "ours": c.ours, "theirs": c.theirs} for c in conflicts]
    paths = ", ".join(c.path or "/" for c in conflicts[:5])
    return SaveConflict(f"Edits since the base touch {paths}.", conflicts=listed)


def apply_or_refuse(
    document: documents.Json, operations: list[dict[str, Any]], *, in_place: bool = False
) -> documents.Json:
    """The patched document; 422 naming the operation that does not apply, 409 for a failed test."""
    try:
        return documents.apply_patch(document, operations, in_place=in_place)
    except documents.PatchFailed as failed:
        raise PatchNotApplicable(
            f"Operation {failed.index} does not apply: {failed.reason}",
            operation_index=failed.index,
            operation=failed.operation,
        ) from None
    except documents.PatchTestFailed as failed:
        conflict = documents.Conflict(failed.path, failed.actual, failed.expected)
        raise _conflict_error([conflict]) from None


def rebase(
    base: documents.Json, head: documents.Json, operations: list[dict[str, Any]]
) -> documents.Json:
    """The patch applied to base, merged over the head; SaveConflict for touching edits."""
    theirs = apply_or_refuse(base, operations)
    try:
        return documents.three_way_merge(
            base, head, theirs, documents.tested_paths(base, operations)
        )
    except documents.MergeConflict as conflict:
        raise _conflict_error(conflict.conflicts) from None


async def patch_project(
    session: AsyncSession,
    project_id: uuid.UUID,
    operations: list[dict[str, Any]],
    *,
    base: int,
    actor: uuid.UUID,
    device_id: str | None,
    rules: HistoryRules,
) -> Saved:
    """Apply a JSON Patch made against version `base`: directly when base is the head, else
    rebased over the edits since (three-way merge)."""
    project = await lock_for_save(session, project_id)
    if not 1 <= base <= project.version:
        raise PatchNotApplicable(
            f"base must be a version of this project (1 to {project.version}).",
            current_version=project.version,
        )
    if not documents.without_tests(operations):
        apply_or_refuse(await document_at(session, project_id, base), operations)
        return Saved(project_id, project.version, merged=False)
    if base == project.version:
        # the row was loaded for this request alone: patch it in place (a failure rolls back)
        document = apply_or_refuse(project.document, operations, in_place=True)
        new = NewVersion(document, actor, device_id, patch=documents.without_tests(operations))
    else:
        base_document = await document_at(session, project_id, base)
        document = rebase(base_document, project.document, operations)
        new = NewVersion(document, actor, device_id, merged=True)
    row = await commit_version(session, project, new, rules)
    return Saved(project_id, row.version, merged=new.merged)
