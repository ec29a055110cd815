"""Who may do what on a project: the caller's role, as row-level security computes it."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.studio.errors import NotAnEditor, NotTheOwner, ProjectNotFound
from backbeat.studio.models import Project

ROLE_OF = text("select studio_role_of(:project)")
EDITING_ROLES = frozenset({"owner", "editor"})


async def role_of(session: AsyncSession, project_id: uuid.UUID) -> str:
    """The caller's role on the project, or ProjectNotFound for a stranger (404, never 403)."""
    role = await session.scalar(ROLE_OF, {"project": project_id})
    if role is None:
        raise ProjectNotFound(f"No project {project_id}.")
    return str(role)


async def require_editor(session: AsyncSession, project_id: uuid.UUID) -> str:
    """The owner or an editor; a viewer gets a 403."""
    role = await role_of(session, project_id)
    if role not in EDITING_ROLES:
        raise NotAnEditor("Viewers cannot change this project.")
    return role


async def require_owner(session: AsyncSession, project_id: uuid.UUID) -> None:
    """Only the owner."""
    if await role_of(session, project_id) != "owner":
        raise NotTheOwner("Only the project's owner may do this.")


async def lock_for_save(session: AsyncSession, project_id: uuid.UUID) -> Project:
    """The project row, locked until the transaction ends: saves to one project queue here.
    RLS shows a row FOR UPDATE to its owner and editors only; for anyone else, one more query
    tells a viewer (403) from a stranger (404)."""
    query = select(Project).where(Project.id == project_id).with_for_update()
    project = await session.scalar(query.execution_options(populate_existing=True))
    if project is None:
        await require_editor(session, project_id)
        raise ProjectNotFound(f"No project {project_id}.")
    return project
