"""API shapes of the library: liked tracks, follows, the feed, playlists."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from backbeat.catalog.schemas import TrackOut

FollowKind = Literal["user", "creator", "band"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=2000)]
Position = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{1,200}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LibraryTrackOut(BaseModel):
    track_id: uuid.UUID
    liked_at: datetime
    available: bool
    track: TrackOut | None


class LibraryPage(BaseModel):
    items: list[LibraryTrackOut]
    next_cursor: str | None


class ProfileOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str


class FollowOut(BaseModel):
    kind: FollowKind
    followed_at: datetime
    user: ProfileOut


class FollowPage(BaseModel):
    items: list[FollowOut]
    next_cursor: str | None


class FollowersPage(BaseModel):
    user: ProfileOut
    followers: int
    creator_followers: int
    items: list[FollowOut]
    next_cursor: str | None


class FeedPage(BaseModel):
    items: list[TrackOut]
    next_cursor: str | None


class PlaylistIn(Strict):
    name: Name
    description: Description = ""
    is_public: bool = False
    collaborative: bool = False
    cover_object_id: uuid.UUID | None = None


class PlaylistPatch(Strict):
    name: Name | None = None
    description: Description | None = None
    is_public: bool | None = None
    collaborative: bool | None = None
    cover_object_id: uuid.UUID | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the client sent (a null name or flag is no change)."""
        sent = self.model_dump(exclude_unset=True)
        return {k: v for k, v in sent.items() if v is not None or k == "cover_object_id"}


class PlaylistItemOut(BaseModel):
    id: uuid.UUID
    position: str
    track_id: uuid.UUID | None
    available: bool
    added_by: uuid.UUID | None
    added_at: datetime
    track: TrackOut | None


class PlaylistSummary(BaseModel):
    id: uuid.UUID
    owner: ProfileOut
    name: str
    description: str
    is_public: bool
    collaborative: bool
    cover_object_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    item_count: int


class PlaylistOut(PlaylistSummary):
    items: list[PlaylistItemOut]
    next_cursor: str | None


class PlaylistPage(BaseModel):
    items: list[PlaylistSummary]
    next_cursor: str | None


class ItemIn(Strict):
    track_id: uuid.UUID
    before: uuid.UUID | None = None
    after: uuid.UUID | None = None


class ItemMove(Strict):
    before: uuid.UUID | None = None
    after: uuid.UUID | None = None


class ItemCreated(BaseModel):
    id: uuid.UUID


class MemberIn(Strict):
    username: Annotated[str, StringConstraints(min_length=3, max_length=30)]


class MemberOut(BaseModel):
    user_id: uuid.UUID


class JspfTrack(BaseModel):
    title: str | None = None
    creator: str | None = None
    identifier: list[str] | str | None = None


class JspfPlaylist(BaseModel):
    title: str | None = None
    annotation: str | None = None
    track: list[JspfTrack] = []


class JspfIn(BaseModel):
    """A JSPF document: {"playlist": {"title": …, "track": [{creator, title, identifier}]}}."""

    playlist: JspfPlaylist


class ImportedOut(BaseModel):
    playlist_id: uuid.UUID
    added: int
    unmatched: int
