"""API shapes of offerings: masters, offerings and tiers, purchases, shares, holders, dividends.

Money is a string of integer minor units next to its asset; pools are percentage strings.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MasterState = Literal["draft", "in_vstudio", "locked", "minted", "listed", "sold"]
Key = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Amount = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,77}$")]
Asset = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,15}$")]
Percent = Annotated[str, StringConstraints(max_length=12)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Masters ------------------------------------------------------------------------------------


class MasterIn(Strict):
    genre: Annotated[str, StringConstraints(max_length=80)] | None = None
    mood_tags: list[Tag] = Field(default_factory=list, max_length=20)


class TransitionIn(Strict):
    to: MasterState


class TransitionOut(BaseModel):
    from_state: MasterState
    to_state: MasterState
    actor_id: uuid.UUID | None
    at: datetime


class MasterOut(BaseModel):
    track_id: uuid.UUID
    state: MasterState
    genre: str | None
    mood_tags: list[str]
    audio_cid: str | None
    cover_cid: str | None
    metadata_cid: str | None
    published_at: datetime | None
    allowed: list[MasterState]
    history: list[TransitionOut]


# Offerings ----------------------------------------------------------------------------------


class TierIn(Strict):
    count: int | None = Field(default=None, ge=1, le=100_000)
    pool: Percent


class OfferingIn(Strict):
    price: Amount
    asset: Asset
    total_supply: int = Field(ge=1, le=100_000)
    artist_reserve: int = Field(default=0, ge=0, le=99_999)
    starts_at: datetime
    ends_at: datetime
    tiers: list[TierIn] | None = Field(default=None, min_length=1, max_length=20)


class TierOut(BaseModel):
    tier: int
    first_token: int
    last_token: int
    count: int
    pool: str
    per_share: str


class OfferingOut(BaseModel):
    id: uuid.UUID
    track_id: uuid.UUID
    price: str
    asset: str
    total_supply: int
    artist_reserve: int
    public_supply: int
    sold: int
    reserved: int
    remaining: int
    starts_at: datetime
    ends_at: datetime
    sold_out_at: datetime | None
    reserve_minted_at: datetime | None
    tiers: list[TierOut]


class OfferingPage(BaseModel):
    items: list[OfferingOut]
    next_cursor: str | None


# Purchases ----------------------------------------------------------------------------------


class PurchaseIn(Strict):
    quantity: int = Field(ge=1, le=100_000)
    idempotency_key: Key
    method: Literal["balance", "external"]


class SettleIn(Strict):
    payment_reference: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ShareRef(BaseModel):
    token: int
    tier: int


class PurchaseOut(BaseModel):
    id: uuid.UUID
    offering_id: uuid.UUID
    status: Literal["reserved", "paid", "expired"]
    method: Literal["balance", "external"]
    shares: list[ShareRef]
    amount: str
    asset: str
    expires_at: datetime | None
    paid_at: datetime | None
    created_at: datetime


class PurchasePage(BaseModel):
    items: list[PurchaseOut]


# Shares and holders -------------------------------------------------------------------------


class TransferIn(Strict):
    to: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ShareTransferOut(BaseModel):
    id: uuid.UUID
    share_id: uuid.UUID
    token: int
    from_payee: str | None
    to_payee: str
    at: datetime


class HolderOut(BaseModel):
    payee: str
    shares: int
    tiers: dict[str, int]


class HoldersOut(BaseModel):
    track_id: uuid.UUID
    at: datetime
    minted: int
    holders: list[HolderOut]


class EarnedOut(BaseModel):
    asset: str
    amount: str


class HoldingOut(BaseModel):
    track_id: uuid.UUID
    offering_id: uuid.UUID
    payee: str
    shares: list[ShareRef]
    earned: list[EarnedOut]


class HoldingsOut(BaseModel):
    holdings: list[HoldingOut]


# Dividends ----------------------------------------------------------------------------------


class DividendIn(Strict):
    amount: Amount
    asset: Asset
    idempotency_key: Key


class DividendLine(BaseModel):
    payee: str
    shares: int
    amount: str


class DividendOut(BaseModel):
    id: uuid.UUID
    track_id: uuid.UUID
    amount: str
    asset: str
    funding: Literal["balance", "external"]
    transfer_id: uuid.UUID
    receipt_hash: str
    lines: list[DividendLine]
    created_at: datetime


class DividendPage(BaseModel):
    items: list[DividendOut]


# NFT metadata -------------------------------------------------------------------------------


class NftAttribute(BaseModel):
    trait_type: str
    value: Any
    display_type: str | None = None


class NftMetadataOut(BaseModel):
    name: str
    description: str
    image: str | None
    animation_url: str | None
    external_url: str | None
    attributes: list[NftAttribute]
    cid: str


class ContractMetadataOut(BaseModel):
    name: str
    symbol: str
    description: str
    image: str | None
    external_link: str | None
    collaborators: list[str]
    cid: str
