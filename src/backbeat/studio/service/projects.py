"""Projects: create (defaults from the account's studio preferences or from Mixx Recall), list
mine and shared with me, delete."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import entitlements
from backbeat.billing.entitlements import within
from backbeat.identity.models import User
from backbeat.studio.errors import PlanLimitReached
from backbeat.studio.models import Project
from backbeat.studio.schemas import ProjectIn, ProjectOut
from backbeat.studio.service import recall
from backbeat.studio.service.access import require_owner
from backbeat.studio.service.versions import HistoryRules, check_size, first_version


async def account_defaults(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    """The account's studio preferences as project fields."""
    user = await session.get_one(User, user_id)
    found = {
        "bpm": user.default_bpm,
        "key": user.default_key,
        "target_lufs": user.preferred_lufs_target,
        "genre": user.preferred_genres[0] if user.preferred_genres else None,
    }
    return {field: value for field, value in found.items() if value is not None}


async def defaults_for(
    session: AsyncSession, body: ProjectIn, actor: uuid.UUID, now: datetime, half_life: timedelta
) -> dict[str, Any]:
    """What fills the fields a new project leaves out: recall first when asked, then account."""
    defaults = await account_defaults(session, actor)
    if body.from_recall:
        ranked = [r for _, r in await recall.ranked_suggestions(session, actor, now, half_life)]
        defaults = {**defaults, **recall.project_defaults(ranked)}
    return defaults


async def create_project(
    session: AsyncSession,
    body: ProjectIn,
    *,
    actor: uuid.UUID,
    rules: HistoryRules,
    now: datetime,
    half_life: timedelta,
) -> Project:
    """A project at version 1 (a checkpoint), owned by the caller, if their plan allows
    another (`studio.projects`)."""
    size = check_size(body.document, rules)
    await check_project_limit(session, actor)
    given = body.model_dump(exclude_unset=True, exclude={"document", "from_recall"})
    defaults = await defaults_for(session, body, actor, now, half_life)
    fields = {**defaults, **{k: v for k, v in given.items() if v is not None}}
    project = Project(
        id=uuid.uuid4(),
        owner_id=actor,
        document=body.document,
        version=1,
        document_bytes=size,
        **fields,
    )
    session.add(project)
    await session.flush()
    session.add(first_version(project, actor, size))
    await recall.observe_project(session, project.id, given, version=1, user=actor)
    await session.flush()
    await session.refresh(project)
    return project


async def check_project_limit(session: AsyncSession, owner: uuid.UUID) -> None:
    """Refuse a project past the owner's plan's `studio.projects` (serialised per owner)."""
    limit = (await entitlements(session, owner)).studio_projects
    if limit is None:
        return
    await session.execute(
        text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"studio-projects:{owner}"},
    )
    owned = await session.scalar(
        select(func.count()).select_from(Project).where(Project.owner_id == owner)
    )
    if not within(limit, int(owned or 0)):
        raise PlanLimitReached(
            f"Your plan allows {limit} projects; delete one or upgrade.", limit=limit
        )


async def delete_project(session: AsyncSession, project_id: uuid.UUID) -> None:
    """Delete a project and its history (owner only)."""
    await require_owner(session, project_id)
    await session.execute(delete(Project).where(Project.id == project_id))


def encode_cursor(updated_at: datetime, project_id: uuid.UUID) -> str:
    """A keyset position in the newest-first list."""
    raw = json.dumps([updated_at.isoformat(), str(project_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID] | None:
    """The position a cursor names; None for one we did not issue."""
    try:
        at, pid = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(at), uuid.UUID(pid)
    except (ValueError, TypeError):
        return None


TOUCH_OPENED = text("select studio_note_opened(:project)")


async def note_opened(session: AsyncSession, project_id: uuid.UUID) -> None:
    """A member opened the project (its live socket)."""
    await session.execute(TOUCH_OPENED, {"project": project_id})


def project_out(project: Project, role: str) -> ProjectOut:
    """The API shape of a project the caller holds in its session."""
    columns = {c.key: getattr(project, c.key) for c in Project.__table__.columns}
    return ProjectOut.model_validate({**columns, "role": role})
