"""API shapes of studio projects: saves, history, members, snapshots, files, bounces."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from backbeat.catalog.vocabulary import normalise_key

Name = Annotated[str, Field(min_length=1, max_length=200)]
Label = Annotated[str, Field(min_length=1, max_length=100)]
Tag = Annotated[str, Field(min_length=1, max_length=64)]
Key = Annotated[str, Field(max_length=20), AfterValidator(normalise_key)]
TimeSignature = Annotated[str, Field(pattern=r"^[1-9][0-9]?/(1|2|4|8|16|32)$")]
Lufs = Annotated[Decimal, Field(ge=-70, le=10, max_digits=5, decimal_places=2)]
MemberRole = Literal["editor", "viewer"]
Role = Literal["owner", "editor", "viewer"]


def _tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))


Tags = Annotated[list[Tag], Field(max_length=50), AfterValidator(_tags)]


class Strict(BaseModel):
    """Unknown fields are refused, so a typo is a 422 and not a silently ignored value."""

    model_config = ConfigDict(extra="forbid")


class ProjectFields(Strict):
    """Everything about a project but its document (absent: unchanged, or the default)."""

    name: Name | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    bpm: Annotated[Decimal, Field(gt=0, lt=1000, max_digits=6, decimal_places=2)] | None = None
    key: Key | None = None
    time_signature: TimeSignature | None = None
    sample_rate: Annotated[int, Field(ge=8000, le=384_000)] | None = None
    bit_depth: Literal[16, 24, 32] | None = None
    target_lufs: Lufs | None = None
    current_lufs: Lufs | None = None
    dynamic_range: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    genre: Label | None = None
    mood: Label | None = None
    tags: Tags | None = None


class ProjectIn(ProjectFields):
    """POST /v1/projects: a name and the first document; `from_recall` fills what is left out
    from the caller's top Mixx Recall suggestions (otherwise from their studio preferences)."""

    name: Name
    document: dict[str, Any]
    from_recall: bool = False


class ProjectSave(ProjectFields):
    """PUT /v1/projects/{id}: the whole new document, and any fields to change."""

    document: dict[str, Any]
    device_id: Annotated[str, Field(max_length=200)] | None = None


class PatchOperation(BaseModel):
    """One RFC 6902 operation."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    op: Literal["add", "remove", "replace", "move", "copy", "test"]
    path: Annotated[str, Field(max_length=2000)]
    from_: str | None = Field(default=None, alias="from", max_length=2000)
    value: Any = None


class ProjectSummary(BaseModel):
    """A project without its document (lists, saves)."""

    id: uuid.UUID
    owner_id: uuid.UUID
    role: Role
    name: str
    description: str | None
    bpm: float | None
    key: str | None
    time_signature: str
    sample_rate: int
    bit_depth: int
    target_lufs: float | None
    current_lufs: float | None
    dynamic_range: float | None
    genre: str | None
    mood: str | None
    tags: list[str]
    version: int
    document_bytes: int
    created_at: datetime
    updated_at: datetime
    last_opened_at: datetime | None
    last_saved_at: datetime


class ProjectOut(ProjectSummary):
    """A project with its head document (its ETag is the version)."""

    document: dict[str, Any]


class ProjectPage(BaseModel):
    """Projects, most recently updated first; `next` continues."""

    items: list[ProjectSummary]
    next: str | None


class SaveOut(BaseModel):
    """A save's new head; `merged`: the server rebased the patch over edits since its base."""

    id: uuid.UUID
    version: int
    merged: bool


class ConflictOut(BaseModel):
    """A path both sides changed: the head's value and the client's."""

    path: str
    ours: Any
    theirs: Any


class VersionOut(BaseModel):
    """One save in the history."""

    version: int
    author: uuid.UUID | None
    author_username: str | None
    device_id: str | None
    created_at: datetime
    size: int
    patch_size: int
    merged: bool
    restored_from: int | None
    checkpoint: bool


class VersionWithPatch(VersionOut):
    """A version and the patch from its predecessor (`since`)."""

    patch: list[dict[str, Any]] | None


class VersionPage(BaseModel):
    """Versions, newest first; with `since`, oldest first and with their patches."""

    head: int
    items: list[VersionWithPatch]
    next: int | None


class VersionDocument(BaseModel):
    """A version's whole document, rebuilt from its checkpoint and patches."""

    version: int
    document: dict[str, Any]


class DiffOut(BaseModel):
    """The JSON Patch that turns version `from` into version `to`."""

    model_config = ConfigDict(populate_by_name=True)

    from_: int = Field(alias="from")
    to: int
    patch: list[dict[str, Any]]


class RestoreIn(Strict):
    """The version to bring back as a new head."""

    version: Annotated[int, Field(ge=1)]


class InvitationIn(Strict):
    """Invite by username or e-mail (one of them)."""

    username: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    email: (
        Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None
    role: MemberRole


class InvitationOut(BaseModel):
    """An invitation to a project."""

    id: uuid.UUID
    project_id: uuid.UUID
    project_name: str
    role: MemberRole
    status: str
    created_at: datetime


class InvitationPage(BaseModel):
    """The caller's pending invitations."""

    items: list[InvitationOut]


class MemberOut(BaseModel):
    """Someone on the project."""

    user_id: uuid.UUID
    username: str | None
    role: Role


class MemberPage(BaseModel):
    """The owner first, then members by when they joined."""

    items: list[MemberOut]


class SnapshotIn(Strict):
    """A named point in history: the head, or a given version."""

    kind: Literal["manual", "milestone"] = "manual"
    name: Name
    description: Annotated[str, Field(max_length=10_000)] | None = None
    version: Annotated[int, Field(ge=1)] | None = None
    audio_object_id: uuid.UUID | None = None
    musical_context: dict[str, Any] | None = None


class SnapshotOut(BaseModel):
    """A snapshot; `audio_analysis` comes from the bounce's audio when it was analysed."""

    id: uuid.UUID
    project_id: uuid.UUID
    version: int
    kind: str
    name: str | None
    description: str | None
    audio_object_id: uuid.UUID | None
    audio_analysis: dict[str, Any] | None
    musical_context: dict[str, Any] | None
    created_by: uuid.UUID | None
    created_at: datetime


class SnapshotPage(BaseModel):
    """Snapshots, newest first."""

    items: list[SnapshotOut]


class FileIn(Strict):
    """Link one of the caller's objects in the project-audio bucket."""

    object_id: uuid.UUID


class FileOut(BaseModel):
    """A linked audio object, with what media knows of it (stem type, parent file)."""

    object_id: uuid.UUID
    path: str
    size: int
    content_type: str
    audio_file_id: uuid.UUID | None
    stem_type: str | None
    parent_file_id: uuid.UUID | None
    duration_seconds: float | None
    added_by: uuid.UUID | None
    added_at: datetime


class FilePage(BaseModel):
    """A project's files, oldest first."""

    items: list[FileOut]


class BounceIn(Strict):
    """A catalog track from a version: its title, artist and (optionally) the rendered audio."""

    title: Name
    artist: Name
    audio_object_id: uuid.UUID | None = None


class BounceOut(BaseModel):
    """The draft (private) track and where it came from."""

    track_id: uuid.UUID
    project_id: uuid.UUID
    version: int


class PresenceOut(BaseModel):
    """A device on the project's live socket."""

    user_id: uuid.UUID
    username: str | None
    device_id: str
    cursor: float | None
    view_state: dict[str, Any]
    active_tool: str | None
    joined_at: datetime
    last_seen_at: datetime


class PresencePage(BaseModel):
    """Who is in the project now, by when they joined."""

    items: list[PresenceOut]


class SessionIn(Strict):
    """Start a collaboration session."""

    name: Annotated[str, Field(max_length=200)] | None = None
    notes: Annotated[str, Field(max_length=10_000)] | None = None


class SessionEnd(Strict):
    """End it, optionally with closing notes."""

    notes: Annotated[str, Field(max_length=10_000)] | None = None


class ParticipantOut(BaseModel):
    """Someone in a session."""

    user_id: uuid.UUID
    role: Role
    joined_at: datetime
    left_at: datetime | None


class SessionOut(BaseModel):
    """A collaboration session, its participants and the versions saved while it ran."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str | None
    notes: str | None
    started_by: uuid.UUID
    started_at: datetime
    ended_at: datetime | None
    participants: list[ParticipantOut]
    versions: list[int]


class SessionPage(BaseModel):
    """Sessions, newest first."""

    items: list[SessionOut]
