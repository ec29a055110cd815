"""HTTP routes of playlists: the playlist, its items and members, JSPF/M3U in and out."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backbeat.edge import AppSettings, DbRead, DbSession, json_text
from backbeat.identity.auth import CurrentUser
from backbeat.library import service as library
from backbeat.library.schemas import (
    ImportedOut,
    ItemCreated,
    ItemIn,
    ItemMove,
    JspfIn,
    MemberIn,
    MemberOut,
    PlaylistIn,
    PlaylistOut,
    PlaylistPage,
    PlaylistPatch,
    PlaylistSummary,
    Position,
)

router = APIRouter(prefix="/v1", tags=["playlists"])
Limit = Annotated[int, Query(ge=1, le=500)]


@router.post("/playlists", status_code=status.HTTP_201_CREATED, response_model=PlaylistSummary)
async def create_playlist(body: PlaylistIn, session: DbSession, user: CurrentUser) -> Response:
    """A new playlist (private unless `is_public`)."""
    created = await library.create_playlist(session, body.model_dump(), actor=user.user_id)
    return json_text(await library.playlist_summary(session, created), status_code=201)


@router.get("/playlists/{playlist_id}", response_model=PlaylistOut)
async def get_playlist(
    playlist_id: uuid.UUID,
    read: DbRead,
    cursor: Annotated[Position | None, Query()] = None,
    limit: Limit = 100,
) -> Response:
    """A public playlist, or one you own or collaborate on, with a page of its items."""
    return json_text(await library.read_playlist(read, playlist_id, cursor=cursor, limit=limit))


@router.patch("/playlists/{playlist_id}", response_model=PlaylistSummary)
async def patch_playlist(
    playlist_id: uuid.UUID, body: PlaylistPatch, session: DbSession, user: CurrentUser
) -> Response:
    await library.patch_playlist(session, playlist_id, body.changes())
    return json_text(await library.playlist_summary(session, playlist_id))


@router.delete("/playlists/{playlist_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_playlist(playlist_id: uuid.UUID, session: DbSession, user: CurrentUser) -> None:
    await library.delete_playlist(session, playlist_id)


@router.get("/users/{username}/playlists", response_model=PlaylistPage)
async def user_playlists(
    username: str,
    read: DbRead,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Response:
    """A user's public playlists (and, to that user, their private ones), newest first."""
    return json_text(await library.user_playlists(read, username, cursor=cursor, limit=limit))


@router.post(
    "/playlists/{playlist_id}/items",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemCreated,
)
async def add_item(
    playlist_id: uuid.UUID, body: ItemIn, session: DbSession, user: CurrentUser
) -> ItemCreated:
    """Add a track after `after` and/or before `before` (neighbours), or at the end."""
    item = await library.add_item(
        session,
        playlist_id,
        body.track_id,
        before=body.before,
        after=body.after,
        actor=user.user_id,
    )
    return ItemCreated(id=item)


@router.patch("/playlists/{playlist_id}/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def move_item(
    playlist_id: uuid.UUID,
    item_id: uuid.UUID,
    body: ItemMove,
    session: DbSession,
    user: CurrentUser,
) -> None:
    """Move an item between new neighbours (or to the end); no other item changes."""
    await library.move_item(session, playlist_id, item_id, before=body.before, after=body.after)


@router.delete("/playlists/{playlist_id}/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_item(
    playlist_id: uuid.UUID, item_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> None:
    await library.remove_item(session, playlist_id, item_id)


@router.post(
    "/playlists/{playlist_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberOut,
)
async def add_member(
    playlist_id: uuid.UUID, body: MemberIn, session: DbSession, user: CurrentUser
) -> MemberOut:
    """Make a user a collaborator (on a collaborative playlist they may add and move items)."""
    return MemberOut(user_id=await library.add_member(session, playlist_id, body.username))


@router.get("/playlists/{playlist_id}/export")
async def export_playlist(
    playlist_id: uuid.UUID,
    read: DbRead,
    settings: AppSettings,
    format: library.ExportFormat = "jspf",
) -> Response:
    """The playlist's available tracks as JSPF (ListenBrainz's format) or extended M3U."""
    exported = await library.export_playlist(
        read, playlist_id, format, base_url=settings.public_base_url
    )
    return Response(exported.body, media_type=exported.media_type)


@router.post("/playlists/import", status_code=status.HTTP_201_CREATED, response_model=ImportedOut)
async def import_playlist(body: JspfIn, session: DbSession, user: CurrentUser) -> ImportedOut:
    """A new private playlist from a JSPF document; tracks match by Backbeat URL or by
    creator + title of a public track."""
    found = await library.import_jspf(session, body.model_dump(), actor=user.user_id)
    return ImportedOut(playlist_id=found.playlist_id, added=found.added, unmatched=found.unmatched)
