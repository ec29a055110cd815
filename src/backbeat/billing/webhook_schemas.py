"""API shapes of outbound webhooks: endpoints (the secret only at creation) and deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backbeat.billing.webhook_events import EventType

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class EndpointIn(BaseModel):
    """A URL and the event types it wants; `platform` (admins only): every user's events."""

    model_config = ConfigDict(extra="forbid")

    url: Url
    events: Annotated[list[EventType], Field(min_length=1, max_length=50)]
    platform: bool = False


class EndpointOut(BaseModel):
    id: uuid.UUID
    url: str
    events: list[str]
    platform: bool
    owner_id: uuid.UUID | None
    status: Literal["enabled", "disabled"]
    disabled_reason: str | None
    created_at: datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(description="The whsec_ signing secret; shown this once only.")


class EndpointList(BaseModel):
    items: list[EndpointOut]


class DeliveryOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
