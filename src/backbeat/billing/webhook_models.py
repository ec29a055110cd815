"""Outbound webhook tables: endpoints (sealed signing secrets), the event outbox, deliveries.

Row-level security, the emit function and the uuid7 SQL function are in the migration
(2026-12-03_webhooks.py); these models are what Alembic compares.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.columns import now_column, one_of
from backbeat.db import Base
from backbeat.identity.models import uuid7

ENDPOINT_STATUSES = ("enabled", "disabled")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class WebhookEndpoint(Base):
    """Where events are POSTed: a user's own (owner_id), or platform-wide (owner_id null)."""

    __tablename__ = "billing_webhook_endpoints"
    __table_args__ = (
        CheckConstraint(one_of("status", ENDPOINT_STATUSES), name="status"),
        CheckConstraint("cardinality(events) between 1 and 50", name="events"),
        Index("ix_billing_webhook_endpoints_owner_id", "owner_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_users.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(ARRAY(Text))
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    """The whsec_ secret, AES-GCM sealed with a key derived from secret_key (bound to id)."""
    status: Mapped[str] = mapped_column(Text, server_default="enabled")
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = now_column()


class WebhookEvent(Base):
    """One outbox row, written in the transaction of the change it reports."""

    __tablename__ = "billing_webhook_events"
    __table_args__ = (
        UniqueConstraint("event_type", "dedupe_key"),
        Index(
            "ix_billing_webhook_events_unsent",
            "id",
            postgresql_where=text("fanned_out_at is null"),
        ),
        Index("ix_billing_webhook_events_owner_id", "owner_id"),
        Index("ix_billing_webhook_events_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("billing_webhook_uuid7()")
    )
    event_type: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_users.id", ondelete="CASCADE")
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    dedupe_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()
    fanned_out_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    """One event to one endpoint: its attempts, the last answer, when to try next."""

    __tablename__ = "billing_webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        CheckConstraint(one_of("status", DELIVERY_STATUSES), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_billing_webhook_deliveries_endpoint_newest", "endpoint_id", text("id desc")),
        Index("ix_billing_webhook_deliveries_event_id", "event_id"),
        Index(
            "ix_billing_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("billing_webhook_uuid7()")
    )
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_webhook_events.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = now_column()
