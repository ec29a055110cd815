"""One delivery attempt: claim the delivery, POST the signed event, record the answer.

The claim (a row lock, the attempt counted, a lease as the next attempt time) and the record are
two short owner transactions, and the HTTP request runs between them with no transaction open.
A worker that dies mid-attempt leaves the lease, which the sweeper retries when it expires: the
receiver may then see the same `webhook-id` twice, which is what the id is for.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.billing.retry_schedule import RetryPolicy, Verdict, verdict
from backbeat.billing.url_guard import Resolver, check_url, system_resolver
from backbeat.billing.webhook_errors import UnsafeWebhookUrl
from backbeat.billing.webhook_signing import open_secret, payload, secret_box, signed_headers
from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.identity.secretbox import SecretBoxError
from backbeat.identity.service.audit import ClientInfo, record_event

DELIVER_TASK = "webhooks.deliver"
QUEUE = "webhooks"
LEASE_MARGIN_SECONDS = 60
MAX_ERROR_CHARS = 300
Clock = Callable[[], datetime]

CLAIM_SQL = text(
    "select d.attempts, d.status, d.next_attempt_at, d.created_at as delivery_created_at, "
    "e.id as endpoint_id, e.owner_id, e.url, e.secret_sealed, e.status as endpoint_status, "
    "v.id as event_id, v.event_type, v.data, v.created_at as event_created_at "
    "from billing_webhook_deliveries d "
    "join billing_webhook_endpoints e on e.id = d.endpoint_id "
    "join billing_webhook_events v on v.id = d.event_id "
    "where d.id = :id for update of d skip locked"
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def delivery_lock(delivery_id: uuid.UUID | str) -> str:
    """The queueing lock of a delivery's job: one waiting job per delivery."""
    return f"webhook-delivery:{delivery_id}"


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds the lease of, with what it needs to send it."""

    delivery_id: uuid.UUID
    attempts: int
    delivery_created_at: datetime
    endpoint_id: uuid.UUID
    owner_id: uuid.UUID | None
    url: str
    secret_sealed: bytes
    event_id: uuid.UUID
    event_type: str
    data: dict[str, Any]
    event_created_at: datetime


@dataclass(frozen=True)
class Answer:
    """What the receiver said: a status code, or why there was none."""

    status_code: int | None
    error: str | None = None


async def claim(
    session: AsyncSession, delivery_id: uuid.UUID, at: datetime, lease: timedelta
) -> Claimed | None:
    """The delivery if it is pending and due (and not held by another worker); None otherwise."""
    row = (await session.execute(CLAIM_SQL, {"id": delivery_id})).one_or_none()
    if row is None or row.status != "pending":
        return None
    if row.next_attempt_at is not None and row.next_attempt_at > at:
        return None
    if row.endpoint_status != "enabled":
        await _finish(session, delivery_id, "failed", Answer(None, "the endpoint is disabled"))
        return None
    await session.execute(
        text(
            "update billing_webhook_deliveries set attempts = attempts + 1, "
            "last_attempt_at = :at, next_attempt_at = :lease where id = :id"
        ),
        {"id": delivery_id, "at": at, "lease": at + lease},
    )
    fields = {k: v for k, v in row._mapping.items() if k in Claimed.__dataclass_fields__}
    return Claimed(delivery_id=delivery_id, **{**fields, "attempts": row.attempts + 1})


async def send(
    claimed: Claimed, settings: Settings, at: datetime, resolver: Resolver = system_resolver
) -> Answer:
    """POST the signed event to the address the SSRF guard checked just now."""
    try:
        target = await check_url(claimed.url, settings.webhook_allowed_host_set, resolver)
        secret = open_secret(secret_box(settings), claimed.endpoint_id, claimed.secret_sealed)
    except UnsafeWebhookUrl as refused:
        return Answer(None, f"refused: {refused.detail}")
    except SecretBoxError:
        return Answer(None, "the endpoint's secret cannot be opened with the configured keys")
    body = payload(claimed.event_type, claimed.event_created_at, claimed.data)
    headers = signed_headers(secret, str(claimed.event_id), body, at) | target.headers()
    client = httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False
    )
    try:
        async with (
            client,
            client.stream(
                "POST",
                target.pinned_url(),
                content=body,
                headers=headers,
                extensions=target.extensions(),
            ) as response,
        ):
            code = response.status_code
    except httpx.HTTPError as failed:
        return Answer(None, f"{type(failed).__name__}: {failed}"[:MAX_ERROR_CHARS])
    return Answer(code, None if verdict(code) is Verdict.DELIVERED else f"HTTP {code}")


async def _finish(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    status: str,
    answer: Answer,
    *,
    attempts: int | None = None,
    at: datetime | None = None,
    next_at: datetime | None = None,
) -> bool:
    """Write the outcome, unless a replay restarted the delivery meanwhile; True if written."""
    result = await session.execute(
        text(
            "update billing_webhook_deliveries set status = :status, last_error = :error, "
            "last_status_code = coalesce(:code, last_status_code), next_attempt_at = :next, "
            "delivered_at = case when :status = 'delivered' then :at else delivered_at end "
            "where id = :id and status = 'pending' "
            "and (cast(:attempts as integer) is null or attempts = :attempts)"
        ),
        {
            "id": delivery_id,
            "status": status,
            "error": answer.error,
            "code": answer.status_code,
            "at": at,
            "attempts": attempts,
            "next": next_at,
        },
    )
    return bool(getattr(result, "rowcount", 0))


async def disable_endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, owner_id: uuid.UUID | None, reason: str
) -> bool:
    """Disable it (its pending deliveries fail) and record a security event; False if it was."""
    done = await session.scalar(
        text(
            "update billing_webhook_endpoints set status = 'disabled', disabled_reason = :r, "
            "disabled_at = now() where id = :id and status = 'enabled' returning url"
        ),
        {"id": endpoint_id, "r": reason},
    )
    if done is None:
        return False
    await session.execute(
        text(
            "update billing_webhook_deliveries set status = 'failed', next_attempt_at = null, "
            "last_error = 'the endpoint is disabled' "
            "where endpoint_id = :id and status = 'pending'"
        ),
        {"id": endpoint_id},
    )
    host = httpx.URL(done).host
    await record_event(
        session,
        "webhook.endpoint_disabled",
        user_id=owner_id,
        client=ClientInfo(),
        endpoint_id=str(endpoint_id),
        host=host,
        reason=reason,
    )
    return True


async def _failing_since_created(session: AsyncSession, claimed: Claimed) -> bool:
    """No delivery to this endpoint succeeded since this one was made: persistent failure."""
    succeeded = await session.scalar(
        text(
            "select exists (select 1 from billing_webhook_deliveries "
            "where endpoint_id = :e and delivered_at >= :since)"
        ),
        {"e": claimed.endpoint_id, "since": claimed.delivery_created_at},
    )
    return not succeeded


async def record(
    session: AsyncSession,
    claimed: Claimed,
    answer: Answer,
    *,
    policy: RetryPolicy,
    at: datetime,
    rng: random.Random,
) -> Verdict:
    """Delivered, gone (endpoint disabled), or failed: retry on schedule, or give up."""
    found = verdict(answer.status_code)
    delivery, attempts = claimed.delivery_id, claimed.attempts
    if found is Verdict.DELIVERED:
        await _finish(session, delivery, "delivered", answer, attempts=attempts, at=at)
        return found
    if found is Verdict.GONE:
        if await _finish(session, delivery, "failed", answer, attempts=attempts):
            await disable_endpoint(
                session, claimed.endpoint_id, claimed.owner_id, "the endpoint answered 410 Gone"
            )
        return found
    wait = policy.wait_after(attempts, rng)
    if wait is None:
        if await _finish(session, delivery, "failed", answer, attempts=attempts) and (
            await _failing_since_created(session, claimed)
        ):
            reason = f"{attempts} attempts failed and nothing was delivered meanwhile"
            await disable_endpoint(session, claimed.endpoint_id, claimed.owner_id, reason)
        return found
    next_at = at + timedelta(seconds=wait)
    if await _finish(session, delivery, "pending", answer, attempts=attempts, next_at=next_at):
        await schedule(session, delivery, next_at)
    return found


async def schedule(session: AsyncSession, delivery_id: uuid.UUID, at: datetime | None) -> None:
    """Queue the delivery's job (at most one waits per delivery)."""
    await jobs.enqueue(
        session,
        DELIVER_TASK,
        {"delivery_id": str(delivery_id)},
        idempotency_key=delivery_lock(delivery_id),
        queue=QUEUE,
        scheduled_at=at,
    )


async def deliver(
    database: Database,
    settings: Settings,
    delivery_id: uuid.UUID,
    *,
    now: Clock = utcnow,
    resolver: Resolver = system_resolver,
    rng: random.Random | None = None,
) -> str:
    """One attempt of one delivery, end to end; returns the verdict (or `skipped`).

    `now` drives the schedule (tests inject a clock); the signature's timestamp is always the
    real time, since receivers refuse one more than five minutes off."""
    lease = timedelta(seconds=settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS)
    async with session_scope(database) as session:
        claimed = await claim(session, delivery_id, now(), lease)
    if claimed is None:
        return "skipped"
    answer = await send(claimed, settings, utcnow(), resolver)  # signed with the real time
    async with session_scope(database) as session:
        found = await record(
            session,
            claimed,
            answer,
            policy=RetryPolicy.from_settings(settings),
            at=now(),
            rng=rng or random.Random(),
        )
    return found.value
