"""API shapes of artist coins and pools: token amounts are decimal strings, never numbers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from backbeat.catalog.shares import parse_payee
from backbeat.offerings.coin_chain import checksummed, tx_hash, uint256
from backbeat.offerings.pool_reserves import Amounts, EventRefused, check_shape


def _canonical_amount(value: str) -> str:
    return str(uint256(value))


def _payee(value: str) -> str:
    parse_payee(value)
    return value.strip()


Address = Annotated[
    str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$"), AfterValidator(checksummed)
]
"""An EVM address; answered in its EIP-55 spelling."""
TxHash = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{64}$"), AfterValidator(tx_hash)]
TokenAmount = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{1,78}$"), AfterValidator(_canonical_amount)
]
"""Integer token units (uint256) as a decimal string."""
ChainId = Annotated[int, Field(ge=1, le=2**53 - 1)]
BlockNumber = Annotated[int, Field(ge=0, le=2**53 - 1)]
LogIndex = Annotated[int, Field(ge=0, le=2**31 - 1)]
Percentage = str
"""A decimal percentage string, up to 4 places ("12.5")."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChainLog(Strict):
    """Where a log sits on the chain; (tx_hash, log_index) identifies it for idempotent replay."""

    tx_hash: TxHash
    log_index: LogIndex
    block_number: BlockNumber
    occurred_at: datetime | None = None


class CoinIn(Strict):
    artist: Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_payee)]
    """A catalog payee: `user:<uuid>` or a wallet address."""
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    symbol: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9$._-]{1,11}$")]
    chain_id: ChainId
    contract_address: Address
    decimals: Annotated[int, Field(ge=0, le=77)] = 18
    deployed_block: BlockNumber | None = None


class PoolRef(BaseModel):
    id: uuid.UUID
    address: str


class CoinOut(BaseModel):
    id: uuid.UUID
    artist: str
    name: str
    symbol: str
    chain_id: int
    contract_address: str
    decimals: int
    total_supply: str
    holder_count: int
    deployed_block: int | None
    pools: list[PoolRef]
    created_at: datetime
    updated_at: datetime


class CoinPage(BaseModel):
    items: list[CoinOut]
    next_cursor: str | None


class HolderOut(BaseModel):
    address: str
    balance: str
    share: Percentage
    """Of the total supply."""


class HolderPage(BaseModel):
    coin_id: uuid.UUID
    total_supply: str
    holder_count: int
    items: list[HolderOut]
    next_cursor: str | None


class HolderBalanceIn(Strict):
    balance: TokenAmount


class CoinTransferIn(ChainLog):
    """An ERC-20 Transfer log: from the zero address it mints, to it it burns."""

    sender: Address
    recipient: Address
    amount: TokenAmount


class CoinTransferOut(BaseModel):
    id: uuid.UUID
    coin_id: uuid.UUID
    sender: str
    recipient: str
    amount: str
    tx_hash: str
    log_index: int
    block_number: int
    occurred_at: datetime
    total_supply: str
    """The coin's supply now (after this transfer when it was just applied)."""


class PoolIn(Strict):
    coin_id: uuid.UUID
    address: Address
    token0: Address
    token1: Address


class PositionOut(BaseModel):
    owner: str
    liquidity: str
    share: Percentage
    """Of the pool's total liquidity."""


class PoolOut(BaseModel):
    id: uuid.UUID
    coin_id: uuid.UUID
    chain_id: int
    address: str
    token0: str
    token1: str
    reserve0: str
    reserve1: str
    total_liquidity: str
    position_count: int
    positions: list[PositionOut]
    """The largest positions (up to 20)."""
    last_block: int | None
    created_at: datetime
    updated_at: datetime


class PoolEventIn(ChainLog):
    """A Uniswap V2 style log: mint (amounts in, liquidity to `account`), burn (amounts out,
    liquidity from `account`), swap (amounts in and out, `account` the trader if known)."""

    kind: Literal["swap", "mint", "burn"]
    account: Address | None = None
    amount0_in: TokenAmount = "0"
    amount1_in: TokenAmount = "0"
    amount0_out: TokenAmount = "0"
    amount1_out: TokenAmount = "0"
    liquidity: TokenAmount = "0"

    def amounts(self) -> Amounts:
        return Amounts(
            self.kind,
            int(self.amount0_in),
            int(self.amount1_in),
            int(self.amount0_out),
            int(self.amount1_out),
            int(self.liquidity),
        )

    @model_validator(mode="after")
    def _fits_its_kind(self) -> PoolEventIn:
        try:
            check_shape(self.amounts())
        except EventRefused as exc:
            raise ValueError(str(exc)) from None
        if self.kind != "swap" and self.account is None:
            raise ValueError(f"a {self.kind} names the account whose position it changes")
        return self


class PoolEventOut(BaseModel):
    id: uuid.UUID
    pool_id: uuid.UUID
    kind: Literal["swap", "mint", "burn"]
    account: str | None
    amount0_in: str
    amount1_in: str
    amount0_out: str
    amount1_out: str
    liquidity: str
    reserve0_after: str
    reserve1_after: str
    tx_hash: str
    log_index: int
    block_number: int
    occurred_at: datetime


class PoolEventPage(BaseModel):
    items: list[PoolEventOut]
    next_cursor: str | None
