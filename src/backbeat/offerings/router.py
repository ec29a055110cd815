"""HTTP routes of masters, offerings and purchases (and, included, shares_router's)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from backbeat.edge import AppSettings, DbSession
from backbeat.identity.auth import Caller, CurrentUser, scoped_caller
from backbeat.offerings import shares_router
from backbeat.offerings.schemas import (
    MasterIn,
    MasterOut,
    OfferingIn,
    OfferingOut,
    OfferingPage,
    PurchaseIn,
    PurchaseOut,
    PurchasePage,
    SettleIn,
    TransitionIn,
)
from backbeat.offerings.service import masters, offerings, purchases

router = APIRouter(prefix="/v1", tags=["offerings"])
PurchaseSettler = Annotated[Caller, Depends(scoped_caller("purchases:write"))]
Cursor = Annotated[str | None, Query(max_length=64)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get("/masters/{track_id}", response_model=MasterOut)
async def get_master(track_id: uuid.UUID, session: DbSession) -> MasterOut:
    """A track as a master: lifecycle state, allowed next steps, audited history, CIDs."""
    return await masters.get_master(session, track_id)


@router.put("/masters/{track_id}", response_model=MasterOut)
async def describe_master(
    track_id: uuid.UUID, body: MasterIn, session: DbSession, user: CurrentUser
) -> MasterOut:
    """Genre and mood tags (the track's creator or an admin, until it is minted)."""
    return await masters.describe_master(session, track_id, body, caller=user)


@router.post("/masters/{track_id}/transitions", response_model=MasterOut)
async def transition(
    track_id: uuid.UUID, body: TransitionIn, session: DbSession, user: CurrentUser
) -> MasterOut:
    """One lifecycle step; 409 `transition_refused` lists the allowed ones."""
    return await masters.transition(session, track_id, body.to, caller=user)


@router.post(
    "/masters/{track_id}/offering",
    response_model=OfferingOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_offering(
    track_id: uuid.UUID,
    body: OfferingIn,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
) -> OfferingOut:
    """The master's Master IPO (it must be locked); tiers default to Mover Advantage."""
    return await offerings.create_offering(
        session, track_id, body, caller=user, assets=settings.royalty_assets
    )


@router.get("/offerings", response_model=OfferingPage)
async def list_offerings(
    session: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> OfferingPage:
    """Every offering, newest first, with sold, reserved and remaining counts."""
    return await offerings.list_offerings(session, cursor=cursor, limit=limit)


@router.get("/offerings/{offering_id}", response_model=OfferingOut)
async def get_offering(offering_id: uuid.UUID, session: DbSession) -> OfferingOut:
    return await offerings.get_offering(session, offering_id)


@router.post(
    "/offerings/{offering_id}/purchases",
    response_model=PurchaseOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": PurchaseOut, "description": "A repeated key: the first result."}},
)
async def buy(
    offering_id: uuid.UUID,
    body: PurchaseIn,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    response: Response,
) -> PurchaseOut:
    """Reserve the next share numbers; `balance` pays now, `external` waits for settlement."""
    found, created = await purchases.buy(
        session,
        offering_id,
        body,
        caller=user,
        per_buyer=settings.offerings_max_shares_per_buyer,
        hold_seconds=settings.offerings_purchase_hold_seconds,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return found


@router.post("/purchases/{purchase_id}/settle", response_model=PurchaseOut)
async def settle(
    purchase_id: uuid.UUID, body: SettleIn, session: DbSession, caller: PurchaseSettler
) -> PurchaseOut:
    """An external payment arrived: the purchase is paid and its shares minted (admins and
    tokens with `purchases:write`)."""
    return await purchases.settle(session, purchase_id, body.payment_reference, caller=caller)


@router.get("/me/purchases", response_model=PurchasePage)
async def my_purchases(session: DbSession, user: CurrentUser, limit: Limit = 100) -> PurchasePage:
    return PurchasePage(items=await purchases.my_purchases(session, caller=user, limit=limit))


router.include_router(shares_router.router)
