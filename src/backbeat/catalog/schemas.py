"""API shapes of the catalog: tracks, sheets, lineage, presets, search pages, import reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from backbeat.catalog.identifiers import normalise_isrc, normalise_iswc
from backbeat.catalog.shares import parse_percentage
from backbeat.catalog.vocabulary import (
    LineageKind,
    Role,
    SampleType,
    SheetStatus,
    StemType,
    Visibility,
    normalise_key,
    normalise_sample_type,
)


def _percentage(text: str) -> str:
    parse_percentage(text)
    return text.strip()


def _tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))


Percentage = Annotated[str, AfterValidator(_percentage)]
LooseSampleType = Annotated[str, AfterValidator(lambda v: normalise_sample_type(v).value)]
Key = Annotated[str, AfterValidator(normalise_key)]
Isrc = Annotated[str, AfterValidator(normalise_isrc)]
Iswc = Annotated[str, AfterValidator(normalise_iswc)]
Tags = Annotated[list[Annotated[str, Field(max_length=64)]], AfterValidator(_tags)]
Text = Annotated[str, Field(min_length=1, max_length=300)]


class Strict(BaseModel):
    """Unknown fields are refused, so a typo is a 422 and not a silently ignored value."""

    model_config = ConfigDict(extra="forbid")


class License(Strict):
    """What a licensee may do with the track."""

    derivatives: bool = True
    commercial: bool = False
    attribution: bool = True


class EntryIn(Strict):
    """`payee`: `user:<id>` or a wallet; `share`: a percentage string (none with split=equal)."""

    payee: str = Field(min_length=1, max_length=200)
    share: Percentage | None = None
    role: Role | None = None


class SheetIn(Strict):
    """A new sheet version: entries (optionally split equally), or a saved preset."""

    entries: list[EntryIn] | None = Field(default=None, min_length=1, max_length=500)
    split: Literal["equal"] | None = None
    preset_id: uuid.UUID | None = None
    effective_from: datetime | None = None


class SheetsIn(Strict):
    """Both sheets of a new track; an absent sheet gives the creator 100 %."""

    composition: SheetIn | None = None
    production: SheetIn | None = None


class ParentIn(Strict):
    """A lineage edge to a parent; money kinds default to the seed's 20 %."""

    parent_id: uuid.UUID
    kind: LineageKind = LineageKind.REMIX
    share: Percentage | None = None


class CreditIn(Strict):
    """A contributor without a share."""

    name: Text
    role: Role
    user_id: uuid.UUID | None = None


class CreditsIn(Strict):
    """PUT /v1/tracks/{id}/credits: the whole new list (empty clears it)."""

    credits: list[CreditIn] = Field(max_length=200)


class CreditOut(BaseModel):
    """A credited contributor."""

    name: str
    role: Role
    user_id: uuid.UUID | None = None


class CreditsOut(BaseModel):
    """A track's credits, in order."""

    credits: list[CreditOut]


class TrackFields(Strict):
    """Fields a track is created or patched with."""

    description: Annotated[str, Field(max_length=10_000)] | None = None
    tags: Tags = Field(default_factory=list, max_length=50)
    loop_category: Annotated[str, Field(max_length=100)] | None = None
    bpm: Annotated[float, Field(gt=0, lt=1000)] | None = None
    key: Key | None = None
    duration_seconds: Annotated[float, Field(ge=0, le=86_400)] | None = None
    isrc: Isrc | None = None
    iswc: Iswc | None = None
    license: License = Field(default_factory=License)
    social_urls: dict[str, Annotated[str, Field(max_length=500)]] = Field(default_factory=dict)
    contact_info: dict[str, Annotated[str, Field(max_length=500)]] = Field(default_factory=dict)
    visibility: Visibility = Visibility.PUBLIC
    stem_type: StemType | None = None
    cover_object_id: uuid.UUID | None = None
    audio_object_id: uuid.UUID | None = None


class TrackIn(TrackFields):
    """POST /v1/tracks: the track, and optionally its sheets, parents and credits in one call."""

    title: Text
    artist: Text
    sample_type: LooseSampleType
    splits: SheetsIn | None = None
    parents: list[ParentIn] = Field(default_factory=list, max_length=50)
    credits: list[CreditIn] = Field(default_factory=list, max_length=200)


class TrackPatch(Strict):
    """PATCH /v1/tracks/{id}: only the fields given change."""

    title: Text | None = None
    artist: Text | None = None
    sample_type: LooseSampleType | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    tags: Tags | None = None
    loop_category: Annotated[str, Field(max_length=100)] | None = None
    bpm: Annotated[float, Field(gt=0, lt=1000)] | None = None
    key: Key | None = None
    duration_seconds: Annotated[float, Field(ge=0, le=86_400)] | None = None
    isrc: Isrc | None = None
    iswc: Iswc | None = None
    license: License | None = None
    social_urls: dict[str, Annotated[str, Field(max_length=500)]] | None = None
    contact_info: dict[str, Annotated[str, Field(max_length=500)]] | None = None
    visibility: Visibility | None = None
    stem_type: StemType | None = None
    cover_object_id: uuid.UUID | None = None
    audio_object_id: uuid.UUID | None = None


class TrackOut(BaseModel):
    """A track (the seed's names); contact_info is shown to the owner only."""

    id: uuid.UUID
    title: str
    artist: str
    description: str | None
    tags: list[str]
    sample_type: SampleType
    loop_category: str | None
    bpm: float | None
    key: str | None
    duration_seconds: float | None
    isrc: str | None
    iswc: str | None
    license: License
    social_urls: dict[str, str]
    contact_info: dict[str, str] | None
    visibility: Visibility
    stem_type: StemType | None
    cover_object_id: uuid.UUID | None
    audio_object_id: uuid.UUID | None
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    credits: list[CreditOut] = Field(default_factory=list)


class EntryOut(BaseModel):
    """One sheet line."""

    payee: str
    share: str
    role: Role


class SheetOut(BaseModel):
    """One version of a sheet."""

    version: int
    effective_from: datetime
    status: SheetStatus
    entries: list[EntryOut]


class SheetsOut(BaseModel):
    """The sheets in force (null when a sheet has none at that instant)."""

    composition: SheetOut | None
    production: SheetOut | None


class SheetHistoryOut(BaseModel):
    """Every version of both sheets, oldest first."""

    composition: list[SheetOut]
    production: list[SheetOut]


class EdgeOut(BaseModel):
    """A lineage edge."""

    child_id: uuid.UUID
    parent_id: uuid.UUID
    kind: LineageKind
    share: str | None
    created_at: datetime


class PresetIn(Strict):
    """A named split to fill sheets with."""

    name: Text
    entries: list[EntryIn] = Field(min_length=1, max_length=500)
    split: Literal["equal"] | None = None


class PresetOut(BaseModel):
    """A saved preset."""

    id: uuid.UUID
    name: str
    entries: list[EntryOut]
    created_at: datetime


class HistoryOut(BaseModel):
    """One audited change."""

    id: uuid.UUID
    action: str
    actor_id: uuid.UUID | None
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ImportErrorOut(BaseModel):
    """A refused CSV row."""

    line: int
    reason: str


class ImportReport(BaseModel):
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool
    rows: int
    created: int
    skipped: int
    errors: list[ImportErrorOut]


class TrackPage(BaseModel):
    """A page of public tracks; pass `next_cursor` back for the next one (null: the last)."""

    items: list[TrackOut]
    next_cursor: str | None


class LineageNode(BaseModel):
    """A track reached from the root along `path`, with the share along the way."""

    track_id: uuid.UUID
    title: str
    artist: str
    via: uuid.UUID
    kind: str
    share: str | None
    depth: int
    cumulative_share: str
    path: list[uuid.UUID]


class LineageOut(BaseModel):
    """Every path up (ancestors) or down (descendants) from a track, to `depth`."""

    track_id: uuid.UUID
    direction: Literal["ancestors", "descendants"]
    depth: int
    nodes: list[LineageNode]


class StoreCreator(BaseModel):
    """Whose store it is."""

    id: uuid.UUID
    username: str
    display_name: str


class CreatorStoreOut(BaseModel):
    """A creator's public tracks (newest first) and how many of each sample type they offer."""

    creator: StoreCreator
    total: int
    counts: dict[str, int]
    tracks: TrackPage
