"""HTTP routes of shares, holders, dividends and NFT metadata."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from backbeat.edge import AppSettings, DbSession
from backbeat.identity.auth import CurrentUser
from backbeat.offerings.schemas import (
    ContractMetadataOut,
    DividendIn,
    DividendOut,
    DividendPage,
    HoldersOut,
    HoldingsOut,
    NftMetadataOut,
    ShareTransferOut,
    TransferIn,
)
from backbeat.offerings.service import dividends, metadata, shares

router = APIRouter(tags=["offerings"])
"""Included by offerings/router.py, which adds the `/v1` prefix."""
Token = Annotated[int, Path(ge=1, le=100_000)]


@router.get("/masters/{track_id}/holders", response_model=HoldersOut)
async def holders(
    track_id: uuid.UUID, session: DbSession, at: Annotated[datetime | None, Query()] = None
) -> HoldersOut:
    """Who held the minted shares at `at` (default now), from the transfer history."""
    return await shares.holders_at(session, track_id, at)


@router.post(
    "/shares/{share_id}/transfers",
    response_model=ShareTransferOut,
    status_code=status.HTTP_201_CREATED,
)
async def transfer(
    share_id: uuid.UUID, body: TransferIn, session: DbSession, user: CurrentUser
) -> ShareTransferOut:
    """Give one of your minted shares to another payee (`user:<uuid>` or a wallet)."""
    return await shares.transfer_share(session, share_id, body.to, caller=user)


@router.get("/me/holdings", response_model=HoldingsOut)
async def my_holdings(session: DbSession, user: CurrentUser) -> HoldingsOut:
    """Your shares by master, their tiers, and what you earned from each master."""
    return await shares.my_holdings(session, caller=user)


@router.post(
    "/masters/{track_id}/dividends",
    response_model=DividendOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": DividendOut, "description": "A repeated key: the first result."}},
)
async def pay_dividend(
    track_id: uuid.UUID,
    body: DividendIn,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    response: Response,
) -> DividendOut:
    """Pay the current holders pro rata by shares (the artist from their balance; an admin
    from outside)."""
    found, created = await dividends.pay_dividend(
        session, track_id, body, caller=user, assets=settings.royalty_assets
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return found


@router.get("/masters/{track_id}/dividends", response_model=DividendPage)
async def list_dividends(
    track_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> DividendPage:
    return DividendPage(items=await dividends.list_dividends(session, track_id, caller=user))


@router.get("/masters/{track_id}/shares/{token}/metadata", response_model=NftMetadataOut)
async def share_metadata(track_id: uuid.UUID, token: Token, session: DbSession) -> NftMetadataOut:
    """ERC-721 metadata of one share token (its `cid` is of the document without `cid`)."""
    return await metadata.share_metadata(session, track_id, token)


@router.get("/masters/{track_id}/contract-metadata", response_model=ContractMetadataOut)
async def contract_metadata(track_id: uuid.UUID, session: DbSession) -> ContractMetadataOut:
    """ERC-7572 collection metadata of the master's shares."""
    return await metadata.contract_metadata(session, track_id)
