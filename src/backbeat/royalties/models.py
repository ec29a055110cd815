"""Royalty tables: revenue events, the double-entry ledger, receipts, plans, payouts.

The append-only rules, the balance check at commit, row-level security and the payout functions
live in the migration (2026-11-22_royalties.py); these models are what Alembic compares.
Amounts are integers in the asset's minor unit, `numeric(78,0)` so 78-digit wei amounts fit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.columns import now_column, one_of
from backbeat.db import Base
from backbeat.identity.models import uuid7

SOURCES = ("stream", "download", "sale", "license", "sync", "tip", "dividend", "other")
EVENT_STATUSES = ("accepted", "allocated")
TRANSFER_KINDS = (
    "allocation",
    "reversal",
    "reallocation",
    "payout_request",
    "payout_paid",
    "payout_failed",
    "purchase",
    "dividend",
)
"""`purchase` and `dividend` are posted by the offerings migration's functions (and its check)."""
ACCOUNT_KINDS = ("payee", "fee", "revenue", "suspense", "in_payout", "paid_out")
PAYOUT_STATUSES = ("requested", "paid", "failed")
MONEY = Numeric(78, 0)


class RevenueEvent(Base):
    """Money a track earned, as reported; accepted fast, allocated later by a job."""

    __tablename__ = "royalties_revenue_events"
    __table_args__ = (
        UniqueConstraint("submitted_by", "idempotency_key"),
        CheckConstraint(one_of("source", SOURCES), name="source"),
        CheckConstraint(one_of("status", EVENT_STATUSES), name="status"),
        CheckConstraint("amount >= 0", name="amount"),
        Index("ix_royalties_revenue_events_track_id_occurred_at", "track_id", "occurred_at"),
        Index(
            "ix_royalties_revenue_events_accepted",
            "id",
            postgresql_where=text("status = 'accepted'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    submitted_by: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(Text)
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id"))
    source: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(MONEY)
    asset: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime]
    territory: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="accepted")
    revision: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = now_column()
    allocated_at: Mapped[datetime | None]


class Account(Base):
    """A ledger account in one asset: a payee, the fee, a revenue source, suspense, payouts."""

    __tablename__ = "royalties_accounts"
    __table_args__ = (
        UniqueConstraint("name", "asset"),
        CheckConstraint(one_of("kind", ACCOUNT_KINDS), name="kind"),
        Index("ix_royalties_accounts_payee_id", "payee_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    asset: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    payee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_payees.id"))
    track_id: Mapped[uuid.UUID | None]


class Transfer(Base):
    """One posting: its legs sum to zero per asset (checked at commit); never edited."""

    __tablename__ = "royalties_transfers"
    __table_args__ = (
        CheckConstraint(one_of("kind", TRANSFER_KINDS), name="kind"),
        Index("ix_royalties_transfers_event_id", "event_id"),
        Index("ix_royalties_transfers_track_id_posted_at", "track_id", "posted_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    kind: Mapped[str] = mapped_column(Text)
    event_id: Mapped[uuid.UUID | None]
    payout_id: Mapped[uuid.UUID | None]
    track_id: Mapped[uuid.UUID | None]
    source: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime] = now_column()
    txid: Mapped[int] = mapped_column(
        BigInteger, server_default=text("pg_current_xact_id()::text::bigint")
    )


class Leg(Base):
    """One line of a transfer: `amount` (minor units, signed) added to one account's balance."""

    __tablename__ = "royalties_legs"
    __table_args__ = (
        PrimaryKeyConstraint("transfer_id", "account_id"),
        Index("ix_royalties_legs_account_id_transfer_id", "account_id", "transfer_id"),
    )

    transfer_id: Mapped[uuid.UUID]
    account_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(MONEY)


class Balance(Base):
    """The cached sum of an account's legs, updated in the same transaction as the legs."""

    __tablename__ = "royalties_balances"

    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("royalties_accounts.id"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(MONEY)


class Plan(Base):
    """A compiled allocation (amount-free), shared by every event allocated with the same inputs."""

    __tablename__ = "royalties_plans"
    __table_args__ = (Index("ix_royalties_plans_tracks", "tracks", postgresql_using="gin"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    track_id: Mapped[uuid.UUID]
    fee_ppm: Mapped[int] = mapped_column(Integer)
    composition_ppm: Mapped[int] = mapped_column(Integer)
    max_depth: Mapped[int] = mapped_column(Integer)
    rights: Mapped[dict[str, Any]] = mapped_column(JSONB)
    tracks: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[datetime] = now_column()


class Receipt(Base):
    """How one event was allocated (revision 1, then one per restatement), with its hash."""

    __tablename__ = "royalties_receipts"
    __table_args__ = (PrimaryKeyConstraint("event_id", "revision"),)

    event_id: Mapped[uuid.UUID]
    revision: Mapped[int] = mapped_column(Integer)
    transfer_id: Mapped[uuid.UUID]
    plan_id: Mapped[str] = mapped_column(Text, ForeignKey("royalties_plans.id"))
    receipt_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()


class Restatement(Base):
    """A sheet version whose effect on already allocated events has been applied."""

    __tablename__ = "royalties_restatements"

    split_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_split_versions.id"), primary_key=True
    )
    events_restated: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = now_column()


class Payout(Base):
    """A claim of a payee's available balance: requested → paid | failed (money returns)."""

    __tablename__ = "royalties_payouts"
    __table_args__ = (
        CheckConstraint(one_of("status", PAYOUT_STATUSES), name="status"),
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_royalties_payouts_requested_by_id", "requested_by", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    payee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_payees.id"), index=True)
    asset: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(Text, server_default="requested")
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_users.id"))
    requested_at: Mapped[datetime] = now_column()
    settled_at: Mapped[datetime | None]
    external_reference: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[str | None] = mapped_column(Text)
