"""Webhook jobs: fan-out of new events, one attempt per delivery job, the sweeper, retention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import procrastinate

from backbeat import jobs
from backbeat.billing.delivery import DELIVER_TASK, QUEUE, deliver
from backbeat.billing.fan_out import FAN_OUT_BATCH, FAN_OUT_TASK, fan_out_batch, purge_events, sweep
from backbeat.db import Database, session_scope


async def fan_out_all(database: Database) -> int:
    """Every unsent event, one batch per transaction; returns how many deliveries were made."""
    made = 0
    while True:
        async with session_scope(database) as session:
            events, queued = await fan_out_batch(session)
        made += queued
        if events < FAN_OUT_BATCH:
            return made


@jobs.tasks.task(name=FAN_OUT_TASK, pass_context=True, queue=QUEUE, retry=jobs.DEFAULT_RETRY)
async def fan_out_job(context: procrastinate.JobContext) -> int:
    """Queued by billing_webhook_emit, once per transaction that wrote events someone wants."""
    return await fan_out_all(jobs.database_of(context))


@jobs.tasks.task(name=DELIVER_TASK, pass_context=True, queue=QUEUE)
async def deliver_job(context: procrastinate.JobContext, delivery_id: str) -> str:
    """One attempt; a failure schedules the next job itself (the retry schedule, not
    procrastinate's retries, decides when)."""
    return await deliver(
        jobs.database_of(context), jobs.settings_of(context), uuid.UUID(delivery_id)
    )


@jobs.tasks.periodic(cron="* * * * *", periodic_id="webhooks-sweep")
@jobs.tasks.task(name="webhooks.sweep", pass_context=True, queue=QUEUE)
async def sweep_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Every minute: deliveries whose job was lost or whose lease expired are queued again."""
    async with session_scope(jobs.database_of(context)) as session:
        return await sweep(session, datetime.now(UTC))


@jobs.tasks.periodic(cron="41 4 * * *", periodic_id="webhooks-retention")
@jobs.tasks.task(name="webhooks.retention", pass_context=True, queue=QUEUE)
async def retention_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Daily: events older than BACKBEAT_WEBHOOK_EVENT_RETENTION_DAYS go, with their log."""
    days = jobs.settings_of(context).webhook_event_retention_days
    async with session_scope(jobs.database_of(context)) as session:
        return await purge_events(session, older_than=datetime.now(UTC) - timedelta(days=days))
