"""HTTP routes of royalties: revenue events, receipts, balances, statements, earnings, payouts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Response, status
from fastapi.responses import JSONResponse

from backbeat.edge import AppSettings, DbRead, DbSession, json_text
from backbeat.identity.auth import Aal2User, Caller, CurrentUser, scoped_caller
from backbeat.royalties import service
from backbeat.royalties.schemas import (
    BalancesOut,
    EarningsOut,
    PayoutIn,
    PayoutOut,
    PayoutSettleIn,
    PayoutsOut,
    ReceiptOut,
    RevenueBatchIn,
    RevenueBody,
    RevenueEventOut,
    RevenueResults,
    StatementOut,
)

router = APIRouter(prefix="/v1", tags=["royalties"])


RevenueWriter = Annotated[Caller, Depends(scoped_caller("revenue:write"))]
PayoutSettler = Annotated[Caller, Depends(scoped_caller("payouts:write"))]


SINGLE_EVENT = "A single event, refused: its result says why (a batch always answers 200)."


@router.post(
    "/revenue-events",
    response_model=RevenueResults,
    responses={
        202: {"model": RevenueResults, "description": "A single event, accepted."},
        404: {"model": RevenueResults, "description": SINGLE_EVENT + " Unknown track."},
        409: {"model": RevenueResults, "description": SINGLE_EVENT + " Key reused."},
        422: {"model": RevenueResults, "description": SINGLE_EVENT + " Invalid event."},
    },
)
async def post_revenue_events(
    body: Annotated[RevenueBody, Body()],
    session: DbSession,
    caller: RevenueWriter,
    settings: AppSettings,
    response: Response,
) -> RevenueResults:
    """One event, or `{events: [...]}`; each event says whether it was accepted and why not.

    A replayed event (same key, same body) returns its first result with 200.
    """
    batch = isinstance(body, RevenueBatchIn)
    events = body.events if isinstance(body, RevenueBatchIn) else [body]
    outcomes = await service.post_revenue(
        session, events, caller=caller, assets=settings.royalty_assets
    )
    if not batch:
        response.status_code = outcomes[0].status_code
    return RevenueResults(results=[outcome.result for outcome in outcomes])


@router.get("/revenue-events/{event_id}", response_model=RevenueEventOut)
async def get_revenue_event(
    event_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> RevenueEventOut:
    return await service.get_event(session, event_id)


@router.get("/revenue-events/{event_id}/receipt", response_model=ReceiptOut)
async def get_revenue_receipt(
    event_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> ReceiptOut:
    """How the event was allocated: inputs, exact shares, rounding, hash (every revision)."""
    return await service.get_receipt(session, event_id)


@router.get("/me/balances", response_model=BalancesOut)
async def my_balances(read: DbRead, user: CurrentUser) -> Response:
    """Your own payee's balances and those of the wallets you proved, per asset."""
    return json_text(await service.my_balances(read, user))


@router.get("/payees/{payee}/balances", response_model=BalancesOut)
async def payee_balances(payee: str, session: DbSession, user: CurrentUser) -> BalancesOut:
    return await service.payee_balances(session, payee, user)


@router.get("/payees/{payee}/statement", response_model=StatementOut)
async def payee_statement(
    payee: str,
    session: DbSession,
    user: CurrentUser,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Lines by track, source and asset over [from, to) of posting time, with totals."""
    found = await service.payee_statement(session, payee, user, start, end)
    if format == "csv":
        return Response(service.statement_csv(found), media_type="text/csv")
    return JSONResponse(found.model_dump(mode="json"))


@router.get("/tracks/{track_id}/earnings", response_model=EarningsOut)
async def track_earnings(
    track_id: uuid.UUID,
    session: DbSession,
    user: CurrentUser,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
) -> EarningsOut:
    return await service.track_earnings(session, track_id, caller=user, start=start, end=end)


@router.post("/payouts", response_model=PayoutOut, status_code=status.HTTP_201_CREATED)
async def request_payout(
    body: PayoutIn, session: DbSession, user: Aal2User, settings: AppSettings
) -> PayoutOut:
    """Claim a payee's available balance (default: your own payee, all of it)."""
    return await service.request_payout(
        session,
        caller=user,
        payee=body.payee,
        asset=body.asset,
        amount=None if body.amount is None else int(body.amount),
        minimums=settings.royalty_minimum_payout,
        assets=settings.royalty_assets,
    )


@router.get("/payouts", response_model=PayoutsOut)
async def list_payouts(session: DbSession, user: CurrentUser) -> PayoutsOut:
    return PayoutsOut(payouts=await service.list_payouts(session))


@router.post("/payouts/{payout_id}/complete", response_model=PayoutOut)
async def complete_payout(
    payout_id: uuid.UUID,
    session: DbSession,
    caller: PayoutSettler,
    body: Annotated[PayoutSettleIn | None, Body()] = None,
) -> PayoutOut:
    """For admins and payout providers (scope `payouts:write`): the money left."""
    note = body.note if body else None
    return await service.settle_payout(session, payout_id, caller=caller, paid=True, note=note)


@router.post("/payouts/{payout_id}/fail", response_model=PayoutOut)
async def fail_payout(
    payout_id: uuid.UUID,
    session: DbSession,
    caller: PayoutSettler,
    body: Annotated[PayoutSettleIn | None, Body()] = None,
) -> PayoutOut:
    """For admins and payout providers: the payout failed; the money returns to the payee."""
    note = body.note if body else None
    return await service.settle_payout(session, payout_id, caller=caller, paid=False, note=note)
