"""Fan-out: each stored event becomes one delivery per matching endpoint, each with its job.

An event matches an enabled endpoint subscribed to its type that existed when the event was
written and is either platform-wide or the event owner's. The sweeper queues what a lost job or
an expired lease left behind; retention drops old events (and their deliveries).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.delivery import QUEUE
from backbeat.jobs import task_name

FAN_OUT_TASK = "webhooks.fan_out"
FAN_OUT_BATCH = 500

FAN_OUT_SQL = text(
    "with due as (select id, event_type, owner_id, created_at from billing_webhook_events "
    "  where fanned_out_at is null order by id limit :limit for update skip locked), "
    "marked as (update billing_webhook_events v set fanned_out_at = now() from due "
    "  where v.id = due.id returning v.id), "
    "made as (insert into billing_webhook_deliveries (endpoint_id, event_id, next_attempt_at) "
    "  select e.id, due.id, now() from due join billing_webhook_endpoints e "
    "  on e.status = 'enabled' and due.event_type = any(e.events) "
    "  and (e.owner_id is null or e.owner_id = due.owner_id) and e.created_at <= due.created_at "
    "  on conflict (endpoint_id, event_id) do nothing returning id) "
    "select (select count(*) from marked), (select count(backbeat_enqueue_job("
    "  'backbeat:webhooks.deliver', jsonb_build_object('delivery_id', id::text), 'webhooks', "
    "  'webhook-delivery:' || id::text, null)) from made)"
)
"""Events to deliveries, each delivery's job queued (task, queue and lock as delivery.py's)."""

SWEEP_SQL = text(
    "select count(backbeat_enqueue_job('backbeat:webhooks.deliver', "
    "  jsonb_build_object('delivery_id', id::text), 'webhooks', "
    "  'webhook-delivery:' || id::text, null)) "
    "from (select id from billing_webhook_deliveries where status = 'pending' "
    "  and next_attempt_at <= :now order by next_attempt_at limit :limit) due"
)


async def fan_out_batch(session: AsyncSession, limit: int = FAN_OUT_BATCH) -> tuple[int, int]:
    """Up to `limit` unsent events into deliveries; returns (events, deliveries queued)."""
    events, queued = (await session.execute(FAN_OUT_SQL, {"limit": limit})).one()
    return int(events), int(queued)


async def sweep(session: AsyncSession, now: datetime, limit: int = 1000) -> int:
    """Queue due deliveries that have no waiting job, and a fan-out if events wait; returns
    how many delivery jobs it queued."""
    unsent = await session.scalar(
        text("select exists (select 1 from billing_webhook_events where fanned_out_at is null)")
    )
    if unsent:
        await session.execute(
            text("select backbeat_enqueue_job(:task, '{}'::jsonb, :queue, :lock, null)"),
            {"task": task_name(FAN_OUT_TASK), "queue": QUEUE, "lock": "webhooks-fan-out"},
        )
    return int(await session.scalar(SWEEP_SQL, {"now": now, "limit": limit}) or 0)


async def purge_events(session: AsyncSession, *, older_than: datetime) -> int:
    """Drop events (and their deliveries) older than the retention, unless still pending."""
    result = await session.execute(
        text(
            "delete from billing_webhook_events v where v.created_at < :before "
            "and v.fanned_out_at is not null and not exists (select 1 from "
            "billing_webhook_deliveries d where d.event_id = v.id and d.status = 'pending')"
        ),
        {"before": older_than},
    )
    return int(getattr(result, "rowcount", 0))
