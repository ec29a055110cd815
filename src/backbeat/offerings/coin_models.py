"""Artist coins and their pools: mirrors of chain state (ERC-20 coins, Uniswap V2 style pools).

The chain is the source of truth; these rows are written by the chain indexer and, until it
exists, by admins, through `service/coins.py` and `service/pools.py`. Amounts are integer token
units (`numeric(78,0)`, uint256). Row-level security (public read, admin write) is in the
migration (2026-12-03_coins.py); these models are what Alembic compares.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.columns import now_column
from backbeat.db import Base
from backbeat.identity.models import uuid7

TOKEN_UNITS = Numeric(78, 0)
"""uint256 token units (wei-like): integers, never floats."""
ADDRESS_CHECK = "~ '^0x[0-9a-fA-F]{40}$'"
EVENT_KINDS = ("swap", "mint", "burn")


def _units(**kwargs: Any) -> Any:
    return mapped_column(TOKEN_UNITS, **kwargs)


class Coin(Base):
    """An artist's ERC-20 coin (one per artist payee); total supply = sum of holder balances."""

    __tablename__ = "offerings_coins"
    __table_args__ = (
        UniqueConstraint("chain_id", "contract_address"),
        CheckConstraint("char_length(name) between 1 and 100", name="name"),
        CheckConstraint("char_length(symbol) between 1 and 11", name="symbol"),
        CheckConstraint("chain_id > 0", name="chain_id"),
        CheckConstraint(f"contract_address {ADDRESS_CHECK}", name="contract_address"),
        CheckConstraint("decimals between 0 and 77", name="decimals"),
        CheckConstraint("total_supply >= 0", name="total_supply"),
        CheckConstraint("holder_count >= 0", name="holder_count"),
        Index("ix_offerings_coins_newest", text("created_at desc"), text("id desc")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    artist_payee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_payees.id"), unique=True)
    name: Mapped[str] = mapped_column(Text)
    symbol: Mapped[str] = mapped_column(Text)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    contract_address: Mapped[str] = mapped_column(Text)
    decimals: Mapped[int] = mapped_column(SmallInteger)
    total_supply: Mapped[Decimal] = _units(server_default="0")
    holder_count: Mapped[int] = mapped_column(Integer, server_default="0")
    deployed_block: Mapped[int | None] = mapped_column(BigInteger)
    last_block: Mapped[int | None] = mapped_column(BigInteger)  # of the last event applied:
    last_log_index: Mapped[int | None]  # events apply in chain order
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class CoinHolder(Base):
    """An address holding a coin; a balance that reaches zero removes the row."""

    __tablename__ = "offerings_coin_holders"
    __table_args__ = (
        PrimaryKeyConstraint("coin_id", "address"),
        CheckConstraint("balance > 0", name="balance"),
        CheckConstraint(f"address {ADDRESS_CHECK}", name="address"),
        Index("ix_offerings_coin_holders_largest", "coin_id", text("balance desc"), "address"),
    )

    coin_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_coins.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(Text)
    balance: Mapped[Decimal] = _units()
    updated_at: Mapped[datetime] = now_column()


class CoinTransfer(Base):
    """An applied ERC-20 Transfer log; (tx hash, log index) makes a replay a no-op."""

    __tablename__ = "offerings_coin_transfers"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint(f"sender {ADDRESS_CHECK} and recipient {ADDRESS_CHECK}", name="addresses"),
        CheckConstraint("log_index >= 0 and block_number >= 0", name="chain_position"),
        Index(
            "ix_offerings_coin_transfers_newest",
            "coin_id",
            text("block_number desc"),
            text("log_index desc"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    coin_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_coins.id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = _units()
    tx_hash: Mapped[str] = mapped_column(Text)
    log_index: Mapped[int] = mapped_column(Integer)
    block_number: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = now_column()
    recorded_at: Mapped[datetime] = now_column()


class Pool(Base):
    """A liquidity pool pairing an artist coin with another token; total liquidity = sum of
    its positions."""

    __tablename__ = "offerings_pools"
    __table_args__ = (
        UniqueConstraint("chain_id", "address"),
        CheckConstraint(f"address {ADDRESS_CHECK}", name="address"),
        CheckConstraint(
            f"token0 {ADDRESS_CHECK} and token1 {ADDRESS_CHECK} and token0 <> token1",
            name="tokens",
        ),
        CheckConstraint(
            "reserve0 >= 0 and reserve1 >= 0 and total_liquidity >= 0", name="reserves"
        ),
        CheckConstraint("position_count >= 0", name="position_count"),
        Index("ix_offerings_pools_coin_id", "coin_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    coin_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_coins.id"))
    chain_id: Mapped[int] = mapped_column(BigInteger)
    address: Mapped[str] = mapped_column(Text)
    token0: Mapped[str] = mapped_column(Text)
    token1: Mapped[str] = mapped_column(Text)
    reserve0: Mapped[Decimal] = _units(server_default="0")
    reserve1: Mapped[Decimal] = _units(server_default="0")
    total_liquidity: Mapped[Decimal] = _units(server_default="0")
    position_count: Mapped[int] = mapped_column(Integer, server_default="0")
    last_block: Mapped[int | None] = mapped_column(BigInteger)  # of the last event applied:
    last_log_index: Mapped[int | None]  # events apply in chain order
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class PoolPosition(Base):
    """An address's liquidity (LP units) in a pool; a position burned to zero removes the row."""

    __tablename__ = "offerings_pool_positions"
    __table_args__ = (
        PrimaryKeyConstraint("pool_id", "owner"),
        CheckConstraint("liquidity > 0", name="liquidity"),
        CheckConstraint(f"owner {ADDRESS_CHECK}", name="owner"),
        Index("ix_offerings_pool_positions_largest", "pool_id", text("liquidity desc"), "owner"),
    )

    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_pools.id", ondelete="CASCADE"))
    owner: Mapped[str] = mapped_column(Text)
    liquidity: Mapped[Decimal] = _units()
    updated_at: Mapped[datetime] = now_column()


class PoolEvent(Base):
    """An applied Swap, Mint or Burn log with the reserves after it (a price history)."""

    __tablename__ = "offerings_pool_events"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index"),
        CheckConstraint("kind in ('swap', 'mint', 'burn')", name="kind"),
        CheckConstraint(
            "least(amount0_in, amount1_in, amount0_out, amount1_out, liquidity) >= 0",
            name="amounts",
        ),
        CheckConstraint("reserve0_after >= 0 and reserve1_after >= 0", name="reserves"),
        CheckConstraint(f"account is null or account {ADDRESS_CHECK}", name="account"),
        CheckConstraint("log_index >= 0 and block_number >= 0", name="chain_position"),
        Index(
            "ix_offerings_pool_events_newest",
            "pool_id",
            text("block_number desc"),
            text("log_index desc"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings_pools.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(Text)
    account: Mapped[str | None] = mapped_column(Text)
    amount0_in: Mapped[Decimal] = _units()
    amount1_in: Mapped[Decimal] = _units()
    amount0_out: Mapped[Decimal] = _units()
    amount1_out: Mapped[Decimal] = _units()
    liquidity: Mapped[Decimal] = _units()
    reserve0_after: Mapped[Decimal] = _units()
    reserve1_after: Mapped[Decimal] = _units()
    tx_hash: Mapped[str] = mapped_column(Text)
    log_index: Mapped[int] = mapped_column(Integer)
    block_number: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = now_column()
    recorded_at: Mapped[datetime] = now_column()
