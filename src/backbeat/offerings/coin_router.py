"""HTTP routes of artist coins and pools: public lean reads, admin writes (chain mirrors)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from backbeat.edge import DbRead, DbSession, json_text
from backbeat.identity.auth import CurrentUser
from backbeat.offerings.coin_schemas import (
    Address,
    CoinIn,
    CoinOut,
    CoinPage,
    CoinTransferIn,
    CoinTransferOut,
    HolderBalanceIn,
    HolderOut,
    HolderPage,
    PoolEventIn,
    PoolEventOut,
    PoolEventPage,
    PoolIn,
    PoolOut,
)
from backbeat.offerings.service import coins, pools

router = APIRouter(prefix="/v1", tags=["coins"])
Cursor = Annotated[str | None, Query(max_length=300)]
Limit = Annotated[int, Query(ge=1, le=100)]
REPLAYED = "A replay of a log applied before: the first answer"
CREATED_OR_REPLAYED: dict[int | str, dict[str, Any]] = {200: {"description": REPLAYED}}


@router.get("/coins", response_model=CoinPage)
async def list_coins(read: DbRead, cursor: Cursor = None, limit: Limit = 50) -> Response:
    """Every artist coin, newest first."""
    return json_text(await coins.coins_page(read, cursor=cursor, limit=limit))


@router.get("/coins/{coin_id}", response_model=CoinOut)
async def get_coin(coin_id: uuid.UUID, read: DbRead) -> Response:
    return json_text(await coins.coin(read, coin_id))


@router.get("/coins/{coin_id}/holders", response_model=HolderPage)
async def coin_holders(
    coin_id: uuid.UUID, read: DbRead, cursor: Cursor = None, limit: Limit = 50
) -> Response:
    """A coin's holders, largest balance first."""
    return json_text(await coins.holders_page(read, coin_id, cursor=cursor, limit=limit))


@router.get("/pools/{pool_id}", response_model=PoolOut)
async def get_pool(pool_id: uuid.UUID, read: DbRead) -> Response:
    """A pool's reserves, total liquidity and largest positions."""
    return json_text(await pools.pool(read, pool_id))


@router.get("/pools/{pool_id}/events", response_model=PoolEventPage)
async def pool_events(
    pool_id: uuid.UUID, read: DbRead, cursor: Cursor = None, limit: Limit = 50
) -> Response:
    """A pool's swaps, mints and burns, newest first."""
    return json_text(await pools.events_page(read, pool_id, cursor=cursor, limit=limit))


@router.post("/admin/coins", response_model=CoinOut, status_code=status.HTTP_201_CREATED)
async def create_coin(body: CoinIn, session: DbSession, user: CurrentUser) -> CoinOut:
    """Admins: mirror a deployed artist coin (its supply grows as its mints are applied)."""
    return await coins.create_coin(session, body, actor=user)


@router.post(
    "/admin/coins/{coin_id}/transfers",
    response_model=CoinTransferOut,
    status_code=status.HTTP_201_CREATED,
    responses=CREATED_OR_REPLAYED,
)
async def record_transfer(
    coin_id: uuid.UUID,
    body: CoinTransferIn,
    session: DbSession,
    user: CurrentUser,
    response: Response,
) -> CoinTransferOut:
    """Admins: apply an ERC-20 Transfer log (from 0x0 mints, to 0x0 burns), once."""
    out, created = await coins.record_transfer(session, coin_id, body, actor=user)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return out


@router.put("/admin/coins/{coin_id}/holders/{address}", response_model=HolderOut)
async def set_holder_balance(
    coin_id: uuid.UUID,
    address: Annotated[Address, Path()],
    body: HolderBalanceIn,
    session: DbSession,
    user: CurrentUser,
) -> HolderOut:
    """Admins: reconcile a holder with the chain's balanceOf (the supply follows)."""
    return await coins.set_holder_balance(session, coin_id, address, int(body.balance), actor=user)


@router.post("/admin/pools", response_model=PoolOut, status_code=status.HTTP_201_CREATED)
async def create_pool(body: PoolIn, session: DbSession, user: CurrentUser) -> PoolOut:
    """Admins: mirror a liquidity pool of a coin."""
    return await pools.create_pool(session, body, actor=user)


@router.post(
    "/admin/pools/{pool_id}/events",
    response_model=PoolEventOut,
    status_code=status.HTTP_201_CREATED,
    responses=CREATED_OR_REPLAYED,
)
async def record_pool_event(
    pool_id: uuid.UUID,
    body: PoolEventIn,
    session: DbSession,
    user: CurrentUser,
    response: Response,
) -> PoolEventOut:
    """Admins: apply a Swap, Mint or Burn log, once; reserves and the position move with it."""
    out, created = await pools.record_pool_event(session, pool_id, body, actor=user)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return out
