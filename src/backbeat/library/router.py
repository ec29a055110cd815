"""HTTP routes of the library: likes, dislikes, follows, the feed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backbeat.edge import DbRead, DbSession, json_text
from backbeat.identity.auth import CurrentUser
from backbeat.library import service as library
from backbeat.library.schemas import FeedPage, FollowersPage, FollowKind, FollowPage, LibraryPage

router = APIRouter(prefix="/v1", tags=["library"])
Cursor = Annotated[str | None, Query(max_length=300)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.put("/me/library/tracks/{track_id}", status_code=status.HTTP_204_NO_CONTENT)
async def like(track_id: uuid.UUID, session: DbSession, user: CurrentUser) -> None:
    """Add a track to your library (a like replaces a dislike)."""
    await library.like_track(session, track_id, actor=user.user_id)


@router.delete("/me/library/tracks/{track_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unlike(track_id: uuid.UUID, session: DbSession, user: CurrentUser) -> None:
    await library.unlike_track(session, track_id, actor=user.user_id)


@router.get("/me/library/tracks", response_model=LibraryPage)
async def my_library(
    read: DbRead, user: CurrentUser, cursor: Cursor = None, limit: Limit = 50
) -> Response:
    """Your liked tracks, newest first; one that became private or was deleted is unavailable."""
    return json_text(await library.library_page(read, cursor=cursor, limit=limit))


@router.put("/me/dislikes/{track_id}", status_code=status.HTTP_204_NO_CONTENT)
async def dislike(track_id: uuid.UUID, session: DbSession, user: CurrentUser) -> None:
    """Mark a track as unwanted (a dislike replaces a like)."""
    await library.dislike_track(session, track_id, actor=user.user_id)


@router.delete("/me/dislikes/{track_id}", status_code=status.HTTP_204_NO_CONTENT)
async def undislike(track_id: uuid.UUID, session: DbSession, user: CurrentUser) -> None:
    await library.undislike_track(session, track_id, actor=user.user_id)


@router.put("/me/following/{kind}/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
async def follow(
    kind: FollowKind, target_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> None:
    """Follow a user, or a creator's releases; counts follow in the same transaction."""
    await library.follow(session, kind, target_id, actor=user.user_id)


@router.delete("/me/following/{kind}/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unfollow(
    kind: FollowKind, target_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> None:
    await library.unfollow(session, kind, target_id, actor=user.user_id)


@router.get("/me/following", response_model=FollowPage)
async def my_following(
    read: DbRead, user: CurrentUser, cursor: Cursor = None, limit: Limit = 50
) -> Response:
    """Who you follow, newest first."""
    return json_text(await library.following_page(read, cursor=cursor, limit=limit))


@router.get("/users/{username}/followers", response_model=FollowersPage)
async def followers(
    username: str, read: DbRead, cursor: Cursor = None, limit: Limit = 50
) -> Response:
    """A user's follower counts and followers, newest first (public)."""
    return json_text(await library.followers_page(read, username, cursor=cursor, limit=limit))


@router.get("/me/feed", response_model=FeedPage)
async def my_feed(
    read: DbRead, user: CurrentUser, cursor: Cursor = None, limit: Limit = 20
) -> Response:
    """New public tracks of the users and creators you follow, newest first."""
    return json_text(await library.feed_page(read, cursor=cursor, limit=limit))
