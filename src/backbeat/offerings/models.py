"""Offerings tables: masters and their lifecycle, Master IPOs with tiers, shares, transfers,
purchases, dividends and ownership snapshots.

Row-level security, the purchase and dividend functions (SECURITY DEFINER: they move money
through the royalties ledger) and the two views the royalty engine reads (`offerings_pool_tiers`,
`offerings_pool_changes`) live in the migration (2026-12-03_offerings.py); these models are what
Alembic compares. Money is `numeric(78,0)` minor units next to its asset; shares are integers.
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

MASTER_STATES = ("draft", "in_vstudio", "locked", "minted", "listed", "sold")
SHARE_STATES = ("available", "reserved", "minted")
PURCHASE_STATES = ("reserved", "paid", "expired")
PURCHASE_METHODS = ("balance", "external")
TRANSFER_KINDS = ("mint", "transfer", "chain")
MONEY = Numeric(78, 0)


class Master(Base):
    """A catalog track as a master recording: its lifecycle state and its content identifiers."""

    __tablename__ = "offerings_masters"
    __table_args__ = (CheckConstraint(one_of("state", MASTER_STATES), name="state"),)

    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_tracks.id"), primary_key=True)
    state: Mapped[str] = mapped_column(Text, server_default="draft")
    genre: Mapped[str | None] = mapped_column(Text)
    mood_tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    audio_cid: Mapped[str | None] = mapped_column(Text)
    cover_cid: Mapped[str | None] = mapped_column(Text)
    metadata_cid: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class MasterTransition(Base):
    """One lifecycle step: who moved the master from which state to which, and when."""

    __tablename__ = "offerings_master_transitions"
    __table_args__ = (Index("ix_offerings_master_transitions_track_id_at", "track_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_masters.track_id"))
    from_state: Mapped[str] = mapped_column(Text)
    to_state: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_users.id"))
    at: Mapped[datetime] = now_column()


class Offering(Base):
    """A Master IPO: price per share (minor units of `asset`), supply, reserve and window."""

    __tablename__ = "offerings_offerings"
    __table_args__ = (
        CheckConstraint("price > 0", name="price"),
        CheckConstraint("total_supply between 1 and 100000", name="total_supply"),
        CheckConstraint("artist_reserve >= 0 and artist_reserve < total_supply", name="reserve"),
        CheckConstraint("ends_at > starts_at", name="window"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    track_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("offerings_masters.track_id"), unique=True
    )
    asset: Mapped[str] = mapped_column(Text)
    price: Mapped[int] = mapped_column(MONEY)
    total_supply: Mapped[int] = mapped_column(Integer)
    artist_reserve: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reserve_minted_at: Mapped[datetime | None]
    sold_out_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_users.id"))
    created_at: Mapped[datetime] = now_column()


class Tier(Base):
    """Tokens `first_token..last_token` share `pool_ppm` of the track's own part equally."""

    __tablename__ = "offerings_tiers"
    __table_args__ = (
        PrimaryKeyConstraint("offering_id", "tier"),
        CheckConstraint("pool_ppm between 0 and 1000000", name="pool_ppm"),
        CheckConstraint("last_token >= first_token and first_token >= 1", name="tokens"),
    )

    offering_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_offerings.id"))
    tier: Mapped[int] = mapped_column(Integer)
    first_token: Mapped[int] = mapped_column(Integer)
    last_token: Mapped[int] = mapped_column(Integer)
    pool_ppm: Mapped[int] = mapped_column(Integer)


class Share(Base):
    """One token of an offering; owned by a catalog payee once minted (paid or seen on chain)."""

    __tablename__ = "offerings_shares"
    __table_args__ = (
        UniqueConstraint("offering_id", "token"),
        CheckConstraint(one_of("status", SHARE_STATES), name="status"),
        Index("ix_offerings_shares_owner_payee_id", "owner_payee_id"),
        Index("ix_offerings_shares_purchase_id", "purchase_id"),
        Index(
            "ix_offerings_shares_available",
            "offering_id",
            "token",
            postgresql_where=text("status = 'available'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    offering_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_offerings.id"))
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_masters.track_id"))
    token: Mapped[int] = mapped_column(Integer)
    tier: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text, server_default="available")
    owner_payee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_payees.id"))
    purchase_id: Mapped[uuid.UUID | None]
    minted_at: Mapped[datetime | None]


class ShareTransfer(Base):
    """A change of a share's owner: a mint (from nobody), an API transfer, or a chain event."""

    __tablename__ = "offerings_share_transfers"
    __table_args__ = (
        CheckConstraint(one_of("kind", TRANSFER_KINDS), name="kind"),
        Index("ix_offerings_share_transfers_track_id_at", "track_id", "at"),
        Index("ix_offerings_share_transfers_share_id_at", "share_id", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    share_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_shares.id"))
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_masters.track_id"))
    from_payee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_payees.id"))
    to_payee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_payees.id"))
    kind: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = now_column()
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_users.id"))


class Purchase(Base):
    """A buyer's reservation of share numbers: reserved → paid, or reserved → expired."""

    __tablename__ = "offerings_purchases"
    __table_args__ = (
        UniqueConstraint("buyer_id", "idempotency_key"),
        CheckConstraint(one_of("status", PURCHASE_STATES), name="status"),
        CheckConstraint(one_of("method", PURCHASE_METHODS), name="method"),
        CheckConstraint("quantity >= 1", name="quantity"),
        Index("ix_offerings_purchases_offering_id_buyer_id", "offering_id", "buyer_id"),
        Index(
            "ix_offerings_purchases_expiring",
            "expires_at",
            postgresql_where=text("status = 'reserved'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    offering_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_offerings.id"))
    buyer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_users.id"))
    idempotency_key: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(MONEY)
    asset: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="reserved")
    expires_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    payment_reference: Mapped[str | None] = mapped_column(Text)
    transfer_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = now_column()


class Dividend(Base):
    """An amount paid pro rata to the holders of a master's minted shares, with its receipt."""

    __tablename__ = "offerings_dividends"
    __table_args__ = (
        UniqueConstraint("created_by", "idempotency_key"),
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_offerings_dividends_track_id", "track_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_masters.track_id"))
    amount: Mapped[int] = mapped_column(MONEY)
    asset: Mapped[str] = mapped_column(Text)
    funding: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_users.id"))
    transfer_id: Mapped[uuid.UUID]
    receipt: Mapped[dict[str, Any]] = mapped_column(JSONB)
    receipt_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()


class OwnershipSnapshot(Base):
    """How many minted shares of a master each payee held at `taken_at` (for analytics)."""

    __tablename__ = "offerings_ownership_snapshots"
    __table_args__ = (PrimaryKeyConstraint("taken_at", "track_id", "payee_id"),)

    taken_at: Mapped[datetime]
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_masters.track_id"))
    payee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_payees.id"))
    shares: Mapped[int] = mapped_column(Integer)
