"""Deliveries end to end against a real local receiver on a committed database: signatures that
standardwebhooks verifies, retries on the schedule (driven by an injected clock or a zero
schedule), exactly-once processing by webhook-id, 410 and persistent failure disabling the
endpoint with a security event, and the SSRF guard at delivery time."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from backbeat import jobs
from backbeat.billing import delivery, outbox
from backbeat.billing.service.webhook_endpoints import Actor, create_endpoint
from backbeat.billing.webhook_schemas import EndpointIn
from backbeat.billing.webhook_signing import secret_box
from backbeat.billing.webhook_tasks import fan_out_all
from backbeat.config import Settings
from backbeat.db import Database, session_scope
from tests.conftest import settings_for_tests
from tests.rls import make_user
from tests.servers import serving
from tests.webhook_receiver import Receiver


@dataclass
class FakeClock:
    """The schedule's clock: tests move it instead of sleeping."""

    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    found = Receiver()
    with serving(found.app()) as host:
        yield found, f"http://{host}/hook"


def _settings(**overrides: object) -> Settings:
    return settings_for_tests(
        webhook_allowed_hosts="127.0.0.1", webhook_retry_jitter=0, **overrides
    )


async def _subscribe(
    database: Database, settings: Settings, receiver: Receiver, url: str, *events: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """A user and their endpoint; the receiver learns the secret the API showed once."""
    async with session_scope(database) as session:
        user = await make_user(session, f"wh_{uuid.uuid4().hex[:8]}")
        created = await create_endpoint(
            session,
            EndpointIn.model_validate({"url": url, "events": list(events or ["payout.paid"])}),
            actor=Actor(user, is_admin=False),
            box=secret_box(settings),
            allowed_hosts=settings.webhook_allowed_host_set,
            max_endpoints=10,
        )
    receiver.secret = created.secret
    return user, created.id


async def _emit(database: Database, user: uuid.UUID, **data: object) -> uuid.UUID:
    async with session_scope(database) as session:
        made = await outbox.emit(session, "payout.paid", data, owner_id=user)
    assert made is not None
    return made


async def _delivery(database: Database, endpoint: uuid.UUID) -> dict[str, object]:
    async with session_scope(database) as session:
        row = (
            await session.execute(
                text(
                    "select id, status, attempts, last_status_code, last_error, next_attempt_at "
                    "from billing_webhook_deliveries where endpoint_id = :e"
                ),
                {"e": endpoint},
            )
        ).one()
    return dict(row._mapping)


async def _endpoint_state(database: Database, endpoint: uuid.UUID) -> tuple[str, int]:
    async with session_scope(database) as session:
        status = await session.scalar(
            text("select status from billing_webhook_endpoints where id = :e"), {"e": endpoint}
        )
        events = await session.scalar(
            text(
                "select count(*) from identity_security_events "
                "where kind = 'webhook.endpoint_disabled' and detail ->> 'endpoint_id' = :e"
            ),
            {"e": str(endpoint)},
        )
    return str(status), int(events or 0)


async def _work(database: Database, settings: Settings) -> None:
    await jobs.run_worker(database, settings=settings, wait=False, concurrency=1)


class TestDelivery:
    async def test_the_receiver_verifies_and_processes_once_after_three_failures(
        self, committed_database: Database, receiver: tuple[Receiver, str]
    ) -> None:
        got, url = receiver
        settings = _settings(webhook_retry_schedule_seconds=[0, 0, 0, 0, 0])
        user, endpoint = await _subscribe(committed_database, settings, got, url)
        got.answers = [500, 503, 502]
        event = await _emit(committed_database, user, payout_id="p-1", amount="1000")
        await _work(committed_database, settings)
        assert len(got.requests) == 4
        assert {headers["webhook-id"] for headers, _ in got.requests} == {str(event)}
        assert got.processed == [str(event)]
        assert got.verified[-1] == {
            "type": "payout.paid",
            "timestamp": got.verified[-1]["timestamp"],
            "data": {"payout_id": "p-1", "amount": "1000"},
        }
        row = await _delivery(committed_database, endpoint)
        assert (row["status"], row["attempts"], row["last_status_code"]) == ("delivered", 4, 200)

    async def test_the_injected_clock_walks_the_schedule(
        self, committed_database: Database, receiver: tuple[Receiver, str]
    ) -> None:
        got, url = receiver
        settings = _settings()
        user, endpoint = await _subscribe(committed_database, settings, got, url)
        got.answers = [500, 500, 500]
        await _emit(committed_database, user, payout_id="p-2")
        assert await fan_out_all(committed_database) == 1
        delivery_id = uuid.UUID(str((await _delivery(committed_database, endpoint))["id"]))
        clock = FakeClock(datetime.now(UTC))

        async def attempt() -> str:
            return await delivery.deliver(committed_database, settings, delivery_id, now=clock)

        for wait in (5, 300, 1800):
            assert await attempt() == "retry"
            due = (await _delivery(committed_database, endpoint))["next_attempt_at"]
            assert due == clock.moment + timedelta(seconds=wait)
            clock.moment += timedelta(seconds=wait - 1)
            assert await attempt() == "skipped"
            clock.moment += timedelta(seconds=1)
        assert await attempt() == "delivered"
        assert len(got.requests) == 4 and len(got.processed) == 1

    async def test_410_disables_the_endpoint_with_a_security_event(
        self, committed_database: Database, receiver: tuple[Receiver, str]
    ) -> None:
        got, url = receiver
        settings = _settings()
        user, endpoint = await _subscribe(committed_database, settings, got, url)
        got.answers = [410]
        await _emit(committed_database, user, payout_id="p-3")
        await _work(committed_database, settings)
        assert await _endpoint_state(committed_database, endpoint) == ("disabled", 1)
        row = await _delivery(committed_database, endpoint)
        assert (row["status"], row["last_status_code"]) == ("failed", 410)

    async def test_persistent_failure_disables_the_endpoint(
        self, committed_database: Database, receiver: tuple[Receiver, str]
    ) -> None:
        got, url = receiver
        settings = _settings(webhook_retry_schedule_seconds=[0, 0])
        user, endpoint = await _subscribe(committed_database, settings, got, url)
        got.answers = [500] * 10
        await _emit(committed_database, user, payout_id="p-4")
        await _work(committed_database, settings)
        assert len(got.requests) == 3
        assert await _endpoint_state(committed_database, endpoint) == ("disabled", 1)
        row = await _delivery(committed_database, endpoint)
        assert (row["status"], row["attempts"], row["last_status_code"]) == ("failed", 3, 500)

    async def test_an_address_that_turned_private_is_refused_at_delivery(
        self, committed_database: Database, receiver: tuple[Receiver, str]
    ) -> None:
        got, url = receiver
        user, endpoint = await _subscribe(committed_database, _settings(), got, url)
        await _emit(committed_database, user, payout_id="p-5")
        await _work(committed_database, settings_for_tests(webhook_retry_schedule_seconds=[60]))
        assert got.requests == []
        row = await _delivery(committed_database, endpoint)
        assert row["status"] == "pending" and str(row["last_error"]).startswith("refused")
