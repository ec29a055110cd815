"""HTTP routes of studio projects: create, list, read, save (PUT and PATCH), history, members."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Header, Query, Response, status

from backbeat.edge import AppSettings, DbRead, DbSession, State, json_text
from backbeat.identity.auth import CurrentUser
from backbeat.studio import live
from backbeat.studio.schemas import (
    ConflictOut,
    DiffOut,
    InvitationIn,
    InvitationOut,
    InvitationPage,
    MemberOut,
    MemberPage,
    PatchOperation,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectSave,
    RestoreIn,
    SaveOut,
    VersionDocument,
    VersionPage,
)
from backbeat.studio.service import members, project_json, projects, saves, versions
from backbeat.studio.service.versions import HistoryRules

router = APIRouter(prefix="/v1", tags=["studio"])
ProjectId = Annotated[uuid.UUID, "a project"]
PATCH_BODY = {
    "requestBody": {
        "content": {
            "application/json-patch+json": {
                "schema": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/PatchOperation"},
                }
            }
        }
    }
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "Edits since the base touch the patch's paths.",
        "model": list[ConflictOut],
    }
}


def _half_life(settings: AppSettings) -> timedelta:
    return timedelta(days=settings.studio_recall_half_life_days)


def _saved(
    response: Response, saved: saves.Saved, later: BackgroundTasks, state: State, author: uuid.UUID
) -> SaveOut:
    """The new head's ETag; once the transaction has committed, open sockets hear of it."""
    response.headers["ETag"] = saves.etag(saved.version)
    later.add_task(
        live.announce_version,
        state.require_broker(),
        saved.project_id,
        saved.version,
        author,
        saved.merged,
    )
    return SaveOut(id=saved.project_id, version=saved.version, merged=saved.merged)


@router.post("/projects", status_code=status.HTTP_201_CREATED, response_model=ProjectOut)
async def create_project(
    body: ProjectIn,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    response: Response,
) -> ProjectOut:
    """A new project at version 1; fields left out come from the account (or from recall)."""
    project = await projects.create_project(
        session,
        body,
        actor=user.user_id,
        rules=HistoryRules.from_settings(settings),
        now=datetime.now(UTC),
        half_life=_half_life(settings),
    )
    response.headers["ETag"] = saves.etag(project.version)
    return projects.project_out(project, "owner")


@router.get("/projects", response_model=ProjectPage)
async def list_projects(
    read: DbRead,
    user: CurrentUser,
    genre: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Projects I own or am a member of, most recently updated first (keyset pages)."""
    page = await project_json.read_projects(
        read, genre=genre, tag=tag, q=q, cursor=cursor, limit=limit
    )
    return json_text(page)


@router.get("/projects/{project_id}", response_model=ProjectOut)
async def get_project(project_id: uuid.UUID, read: DbRead, user: CurrentUser) -> Response:
    """The project and its head document; the ETag is the version."""
    body, version = await project_json.read_project(read, project_id)
    response = json_text(body)
    response.headers["ETag"] = saves.etag(version)
    return response


@router.delete("/projects/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_project(project_id: uuid.UUID, session: DbSession, user: CurrentUser) -> Response:
    """Delete the project and its whole history (owner only)."""
    await projects.delete_project(session, project_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/projects/{project_id}",
    response_model=SaveOut,
    responses={
        412: {"description": "Stale If-Match: the head version and the patch to it."},
        428: {"description": "If-Match is required."},
    },
)
async def put_project(
    project_id: uuid.UUID,
    body: ProjectSave,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    response: Response,
    later: BackgroundTasks,
    state: State,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=100)] = None,
) -> SaveOut:
    """Replace the document; `If-Match: "<version>"` must name the head."""
    saved = await saves.put_project(
        session,
        project_id,
        body,
        if_match=if_match,
        actor=user.user_id,
        rules=HistoryRules.from_settings(settings),
    )
    return _saved(response, saved, later, state, user.user_id)


@router.patch(
    "/projects/{project_id}", response_model=SaveOut, openapi_extra=PATCH_BODY, responses=CONFLICT
)
async def patch_project(
    project_id: uuid.UUID,
    operations: Annotated[list[PatchOperation], Body(max_length=10_000)],
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    response: Response,
    later: BackgroundTasks,
    state: State,
    base: Annotated[int, Query(ge=1, le=2_000_000_000)],
    device_id: Annotated[str | None, Query(max_length=200)] = None,
) -> SaveOut:
    """Apply an RFC 6902 patch made against version `base`, merged over later edits."""
    ops: list[dict[str, Any]] = [
        o.model_dump(by_alias=True, exclude_unset=True) for o in operations
    ]
    saved = await saves.patch_project(
        session,
        project_id,
        ops,
        base=base,
        actor=user.user_id,
        device_id=device_id,
        rules=HistoryRules.from_settings(settings),
    )
    return _saved(response, saved, later, state, user.user_id)


@router.get("/projects/{project_id}/versions", response_model=VersionPage)
async def list_versions(
    project_id: uuid.UUID,
    read: DbRead,
    user: CurrentUser,
    since: Annotated[int | None, Query(ge=0, le=2_000_000_000)] = None,
    before: Annotated[int | None, Query(ge=1, le=2_000_000_000)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
) -> Response:
    """The history newest first; `since=N`: every later version, oldest first, with patches."""
    page = await project_json.read_versions(
        read, project_id, since=since, before=before, limit=limit
    )
    return json_text(page)


@router.get("/projects/{project_id}/versions/{version}", response_model=VersionDocument)
async def get_version(
    project_id: uuid.UUID, version: Annotated[int, "n"], session: DbSession, user: CurrentUser
) -> VersionDocument:
    """Any version's whole document."""
    document = await versions.read_version(session, project_id, version)
    return VersionDocument(version=version, document=document)


@router.get("/projects/{project_id}/diff", response_model=DiffOut)
async def diff_versions(
    project_id: uuid.UUID,
    session: DbSession,
    user: CurrentUser,
    source: Annotated[int, Query(alias="from", ge=1, le=2_000_000_000)],
    to: Annotated[int, Query(ge=1, le=2_000_000_000)],
) -> DiffOut:
    """The JSON Patch from one version to another."""
    patch = await versions.diff_versions(session, project_id, source, to)
    return DiffOut(from_=source, to=to, patch=patch)


@router.post("/projects/{project_id}/restore", response_model=SaveOut)
async def restore_version(
    project_id: uuid.UUID,
    body: RestoreIn,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    response: Response,
    later: BackgroundTasks,
    state: State,
) -> SaveOut:
    """A new head equal to an old version."""
    row = await versions.restore_version(
        session,
        project_id,
        body.version,
        actor=user.user_id,
        rules=HistoryRules.from_settings(settings),
    )
    saved = saves.Saved(project_id, row.version, merged=False)
    return _saved(response, saved, later, state, user.user_id)


@router.post(
    "/projects/{project_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationOut,
)
async def invite_member(
    project_id: uuid.UUID, body: InvitationIn, session: DbSession, user: CurrentUser
) -> InvitationOut:
    """Invite by username or e-mail (owner only); the invitee accepts."""
    invitation = await members.invite(session, project_id, body, actor=user.user_id)
    return InvitationOut.model_validate(invitation, from_attributes=True)


@router.get("/projects/{project_id}/members", response_model=MemberPage)
async def list_members(project_id: uuid.UUID, session: DbSession, user: CurrentUser) -> MemberPage:
    """The owner and the members."""
    found = await members.list_members(session, project_id)
    return MemberPage(
        items=[MemberOut(user_id=m.user_id, username=m.username, role=m.role) for m in found]
    )


@router.delete("/projects/{project_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    project_id: uuid.UUID, user_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> Response:
    """The owner removes a member; a member removes themselves (leaves)."""
    await members.remove_member(session, project_id, user_id, actor=user.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/project-invitations", response_model=InvitationPage)
async def my_invitations(session: DbSession, user: CurrentUser) -> InvitationPage:
    """Invitations waiting for me."""
    found = await members.my_invitations(session, user.user_id)
    return InvitationPage(
        items=[InvitationOut.model_validate(i, from_attributes=True) for i in found]
    )


@router.post("/project-invitations/{invitation_id}/accept", response_model=MemberOut)
async def accept_invitation(
    invitation_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> MemberOut:
    """Join the project."""
    member = await members.accept(session, invitation_id, actor=user.user_id)
    return MemberOut(user_id=member.user_id, username=member.username, role=member.role)
