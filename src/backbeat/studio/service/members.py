"""Members: the owner invites by username or e-mail, the invitee accepts, the owner removes
(or a member leaves). An e-mail invitation names no account, so inviting tells nobody whether an
address is registered; it reaches whoever verifies that address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import entitlements
from backbeat.billing.entitlements import within
from backbeat.studio.errors import (
    AlreadyMember,
    InvitationNotFound,
    InviteeRequired,
    NotAMember,
    PlanLimitReached,
    UserNotFound,
)
from backbeat.studio.models import Project, ProjectInvitation, ProjectMember
from backbeat.studio.schemas import InvitationIn
from backbeat.studio.service.access import require_owner, role_of

USER_BY_NAME = text("select id from identity_public_profiles where lower(username) = lower(:name)")
MY_EMAIL = text("select studio_my_email()")
MEMBERS = text(
    "select p.owner_id as user_id, a.username, 'owner' as role, p.created_at as since "
    "from studio_projects p left join identity_public_profiles a on a.id = p.owner_id "
    "where p.id = :project "
    "union all select m.user_id, a.username, m.role, m.added_at from studio_project_members m "
    "left join identity_public_profiles a on a.id = m.user_id where m.project_id = :project "
    "order by since"
)


@dataclass(frozen=True)
class Member:
    """Someone on a project."""

    user_id: uuid.UUID
    username: str | None
    role: str


async def invite(
    session: AsyncSession, project_id: uuid.UUID, body: InvitationIn, *, actor: uuid.UUID
) -> ProjectInvitation:
    """A pending invitation (owner only), if the owner's plan allows another collaborator."""
    await require_owner(session, project_id)
    await check_collaborator_limit(session, project_id, actor)
    invitee_id, email = await _invitee(session, body)
    if invitee_id == actor or (invitee_id and await _is_member(session, project_id, invitee_id)):
        raise AlreadyMember("That user is already on this project.")
    name = await session.scalar(select(Project.name).where(Project.id == project_id))
    invitation = ProjectInvitation(
        project_id=project_id,
        project_name=name or "",
        invitee_id=invitee_id,
        invitee_email=email,
        invited_by=actor,
        role=body.role,
    )
    try:
        async with session.begin_nested():
            session.add(invitation)
    except IntegrityError:
        raise AlreadyMember("That invitee already has a pending invitation.") from None
    return invitation


async def check_collaborator_limit(
    session: AsyncSession, project_id: uuid.UUID, owner: uuid.UUID
) -> None:
    """Refuse an invitation past the owner's plan's `studio.collaborators`: members and
    pending invitations both count (checked when the owner invites, whose plan it is)."""
    limit = (await entitlements(session, owner)).studio_collaborators
    if limit is None:
        return
    members = select(func.count()).select_from(ProjectMember)
    pending = select(func.count()).select_from(ProjectInvitation)
    taken = int(
        await session.scalar(members.where(ProjectMember.project_id == project_id)) or 0
    ) + int(
        await session.scalar(
            pending.where(
                ProjectInvitation.project_id == project_id, ProjectInvitation.status == "pending"
            )
        )
        or 0
    )
    if not within(limit, taken):
        raise PlanLimitReached(f"Your plan allows {limit} collaborators per project.", limit=limit)


async def _invitee(
    session: AsyncSession, body: InvitationIn
) -> tuple[uuid.UUID | None, str | None]:
    if (body.username is None) == (body.email is None):
        raise InviteeRequired("Give either `username` or `email`.")
    if body.email is not None:
        return None, body.email.strip().lower()
    found = await session.scalar(USER_BY_NAME, {"name": body.username})
    if found is None:
        raise UserNotFound(f"No user named {body.username!r}.")
    return found, None


async def _is_member(session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    query = select(ProjectMember.user_id).where(
        ProjectMember.project_id == project_id, ProjectMember.user_id == user_id
    )
    return await session.scalar(query) is not None


async def my_invitations(session: AsyncSession, user_id: uuid.UUID) -> list[ProjectInvitation]:
    """Pending invitations addressed to the caller's account or verified e-mail."""
    email = await session.scalar(MY_EMAIL)
    query = (
        select(ProjectInvitation)
        .where(ProjectInvitation.status == "pending")
        .where(
            or_(ProjectInvitation.invitee_id == user_id, ProjectInvitation.invitee_email == email)
        )
        .order_by(ProjectInvitation.created_at)
    )
    return list(await session.scalars(query))


async def accept(session: AsyncSession, invitation_id: uuid.UUID, *, actor: uuid.UUID) -> Member:
    """Join the project with the invitation's role."""
    invitation = next(
        (i for i in await my_invitations(session, actor) if i.id == invitation_id), None
    )
    if invitation is None:
        raise InvitationNotFound(f"No pending invitation {invitation_id} for you.")
    if await _is_member(session, invitation.project_id, actor):
        raise AlreadyMember("You are already on this project.")
    session.add(
        ProjectMember(project_id=invitation.project_id, user_id=actor, role=invitation.role)
    )
    await session.flush()
    await session.execute(
        update(ProjectInvitation)
        .where(ProjectInvitation.id == invitation_id)
        .values(status="accepted", invitee_id=actor, responded_at=func.now())
    )
    return Member(actor, None, invitation.role)


async def list_members(session: AsyncSession, project_id: uuid.UUID) -> list[Member]:
    """The owner, then the members in the order they joined."""
    await role_of(session, project_id)
    rows = (await session.execute(MEMBERS, {"project": project_id})).all()
    return [Member(r.user_id, r.username, r.role) for r in rows]


async def remove_member(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, *, actor: uuid.UUID
) -> None:
    """The owner removes a member, or a member leaves."""
    if user_id != actor:
        await require_owner(session, project_id)
    else:
        await role_of(session, project_id)
    member = await session.get(ProjectMember, (project_id, user_id))
    if member is None:
        raise NotAMember(f"User {user_id} is not a member of project {project_id}.")
    await session.delete(member)
