"""The delivery log of an endpoint (newest first, keyset pages) and manual replay."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.billing.delivery import DELIVER_TASK, QUEUE
from backbeat.billing.service.webhook_endpoints import visible_endpoint
from backbeat.billing.webhook_errors import WebhookDeliveryNotFound, WebhookEndpointDisabled
from backbeat.billing.webhook_schemas import DeliveryOut, DeliveryPage

DELIVERY_SQL = (
    "select d.id, d.event_id, v.event_type, d.status, d.attempts, d.last_status_code, "
    "d.last_error, d.created_at, d.last_attempt_at, d.next_attempt_at, d.delivered_at "
    "from billing_webhook_deliveries d join billing_webhook_events v on v.id = d.event_id "
)


def _out(row: Any) -> DeliveryOut:
    return DeliveryOut.model_validate(dict(row._mapping))


async def list_deliveries(
    session: AsyncSession, endpoint_id: uuid.UUID, *, cursor: uuid.UUID | None, limit: int
) -> DeliveryPage:
    """One page of the endpoint's deliveries; `cursor` is the last id of the page before."""
    await visible_endpoint(session, endpoint_id)
    rows = (
        await session.execute(
            text(
                DELIVERY_SQL + "where d.endpoint_id = :e "
                "and (cast(:cursor as uuid) is null or d.id < :cursor) "
                "order by d.id desc limit :limit"
            ),
            {"e": endpoint_id, "cursor": cursor, "limit": limit + 1},
        )
    ).all()
    items = [_out(row) for row in rows[:limit]]
    next_cursor = str(items[-1].id) if len(rows) > limit else None
    return DeliveryPage(items=items, next_cursor=next_cursor)


async def get_delivery(session: AsyncSession, delivery_id: uuid.UUID) -> DeliveryOut:
    row = (
        await session.execute(text(DELIVERY_SQL + "where d.id = :id"), {"id": delivery_id})
    ).one_or_none()
    if row is None:
        raise WebhookDeliveryNotFound(f"no webhook delivery {delivery_id}")
    return _out(row)


async def replay_delivery(session: AsyncSession, delivery_id: uuid.UUID) -> DeliveryOut:
    """Send it again now, with the same webhook-id, the retry schedule started afresh."""
    endpoint_status = await session.scalar(
        text(
            "select e.status from billing_webhook_deliveries d "
            "join billing_webhook_endpoints e on e.id = d.endpoint_id where d.id = :id"
        ),
        {"id": delivery_id},
    )
    if endpoint_status is None:
        raise WebhookDeliveryNotFound(f"no webhook delivery {delivery_id}")
    if endpoint_status != "enabled":
        raise WebhookEndpointDisabled("the endpoint is disabled: nothing is sent to it")
    await session.execute(
        text(
            "update billing_webhook_deliveries set status = 'pending', attempts = 0, "
            "next_attempt_at = now() where id = :id"
        ),
        {"id": delivery_id},
    )
    await jobs.enqueue(
        session,
        DELIVER_TASK,
        {"delivery_id": str(delivery_id)},
        idempotency_key=f"webhook-replay:{delivery_id}",
        queue=QUEUE,
    )
    return await get_delivery(session, delivery_id)
