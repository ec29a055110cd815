"""HTTP routes of outbound webhooks: endpoints, their delivery log, replay."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from backbeat.billing.service import webhook_deliveries, webhook_endpoints
from backbeat.billing.service.webhook_endpoints import Actor
from backbeat.billing.webhook_schemas import (
    DeliveryOut,
    DeliveryPage,
    EndpointCreated,
    EndpointIn,
    EndpointList,
)
from backbeat.billing.webhook_signing import secret_box
from backbeat.edge import AppSettings, DbSession
from backbeat.identity.auth import Caller, CurrentUser

router = APIRouter(prefix="/v1", tags=["webhooks"])
Limit = Annotated[int, Query(ge=1, le=100)]


def _actor(user: Caller) -> Actor:
    return Actor(user.user_id, user.role == "admin")


@router.post(
    "/webhook-endpoints", status_code=status.HTTP_201_CREATED, response_model=EndpointCreated
)
async def create_endpoint(
    body: EndpointIn, session: DbSession, user: CurrentUser, settings: AppSettings
) -> EndpointCreated:
    """Subscribe a URL to event types; the `whsec_` secret in the answer is shown only once."""
    return await webhook_endpoints.create_endpoint(
        session,
        body,
        actor=_actor(user),
        box=secret_box(settings),
        allowed_hosts=settings.webhook_allowed_host_set,
        max_endpoints=settings.webhook_max_endpoints,
    )


@router.get("/webhook-endpoints", response_model=EndpointList)
async def list_endpoints(session: DbSession, user: CurrentUser) -> EndpointList:
    """Your endpoints (an admin: every endpoint, platform ones with `platform: true`)."""
    return EndpointList(items=await webhook_endpoints.list_endpoints(session))


@router.delete("/webhook-endpoints/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_endpoint(endpoint_id: uuid.UUID, session: DbSession, user: CurrentUser) -> None:
    """Stop deliveries to it and drop its delivery log."""
    await webhook_endpoints.delete_endpoint(session, endpoint_id)


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", response_model=DeliveryPage)
async def list_deliveries(
    endpoint_id: uuid.UUID,
    session: DbSession,
    user: CurrentUser,
    cursor: uuid.UUID | None = None,
    limit: Limit = 50,
) -> DeliveryPage:
    """The endpoint's deliveries, newest first: status, attempts, the last status code."""
    return await webhook_deliveries.list_deliveries(
        session, endpoint_id, cursor=cursor, limit=limit
    )


@router.post("/webhook-deliveries/{delivery_id}/replay", response_model=DeliveryOut)
async def replay_delivery(
    delivery_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> DeliveryOut:
    """Send the event again now (same webhook-id, so a receiver that has it ignores it)."""
    return await webhook_deliveries.replay_delivery(session, delivery_id)
