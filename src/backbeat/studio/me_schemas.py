"""API shapes of what belongs to a user rather than a project: plugin presets and Mixx Recall."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from backbeat.studio.schemas import Name, Strict, Tags

PluginType = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][\w .+-]*$")]


class PresetIn(Strict):
    """A new preset of one plugin's parameters."""

    name: Name
    description: Annotated[str, Field(max_length=2000)] | None = None
    plugin_type: PluginType
    parameters: dict[str, Any]
    is_public: bool = False
    tags: Tags = Field(default_factory=list)


class PresetPatch(Strict):
    """PATCH /v1/plugin-presets/{id}: only the fields given change."""

    name: Name | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    parameters: dict[str, Any] | None = None
    is_public: bool | None = None
    tags: Tags | None = None


class PresetOut(BaseModel):
    """A preset: the caller's own, a public one, or a system preset (no owner)."""

    id: uuid.UUID
    user_id: uuid.UUID | None
    name: str
    description: str | None
    plugin_type: str
    parameters: dict[str, Any]
    is_public: bool
    is_system: bool
    usage_count: int
    last_used_at: datetime | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class PresetPage(BaseModel):
    """Presets by plugin type and name; `next` continues."""

    items: list[PresetOut]
    next: str | None


class PresetUse(BaseModel):
    """How often the preset has been used now."""

    id: uuid.UUID
    usage_count: int


class SuggestionOut(BaseModel):
    """A learned preference: its value, how sure Recall is now, and what it learned from."""

    id: uuid.UUID
    category: str
    value: Any
    confidence: float
    weight: float
    usage_count: int
    last_used_at: datetime
    pinned: bool
    evidence: list[str]


class SuggestionPage(BaseModel):
    """Suggestions, best first within each category."""

    items: list[SuggestionOut]


class PinIn(Strict):
    """Pin (never decays) or unpin."""

    pinned: bool = True
