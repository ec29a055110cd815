"""The job queue: transactional enqueue, idempotency keys, retries with backoff, listing."""

from __future__ import annotations

from datetime import timedelta

import procrastinate
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.db import Database, session_scope
from backbeat.realtime_store import RealtimePayload, prune_payloads
from tests.conftest import settings_for_tests

PRUNE = "realtime.prune_payloads"


async def job_count(session: AsyncSession) -> int:
    return int(await session.scalar(text("select count(*) from procrastinate_jobs")) or 0)


class TestEnqueue:
    async def test_job_is_part_of_the_callers_transaction(self, session: AsyncSession) -> None:
        before = await job_count(session)
        savepoint = await session.begin_nested()
        await jobs.enqueue(session, PRUNE, {"timestamp": 0})
        await savepoint.rollback()
        assert await job_count(session) == before

    async def test_same_idempotency_key_queues_once(self, session: AsyncSession) -> None:
        first = await jobs.enqueue(session, PRUNE, {"timestamp": 0}, idempotency_key="prune-1")
        second = await jobs.enqueue(session, PRUNE, {"timestamp": 0}, idempotency_key="prune-1")
        other = await jobs.enqueue(session, PRUNE, {"timestamp": 0}, idempotency_key="prune-2")
        assert first is not None and other is not None
        assert second is None

    async def test_listed_newest_first(self, session: AsyncSession) -> None:
        first = await jobs.enqueue(session, PRUNE, {"timestamp": 1})
        second = await jobs.enqueue(session, PRUNE, {"timestamp": 2})
        listed = await jobs.list_jobs(session, status="todo", limit=2)
        assert [j.id for j in listed] == [second, first]
        assert listed[0].task_name == "backbeat:realtime.prune_payloads"


class TestWorker:
    async def test_worker_runs_a_committed_job(self, committed_database: Database) -> None:
        async with session_scope(committed_database) as session:
            session.add(RealtimePayload(channel="c", body="old"))
            await session.flush()
            await session.execute(
                text("update realtime_payloads set created_at = now() - interval '2 hours'")
            )
            session.add(RealtimePayload(channel="c", body="fresh"))
            job_id = await jobs.enqueue(session, PRUNE, {"timestamp": 0})
        await jobs.run_worker(committed_database, wait=False, settings=settings_for_tests())
        async with session_scope(committed_database) as session:
            bodies = list(await session.scalars(select(RealtimePayload.body)))
            ours = [j for j in await jobs.list_jobs(session) if j.id == job_id]
        assert bodies == ["fresh"]
        assert [j.status for j in ours] == ["succeeded"]  # periodic jobs may also be queued


failures: list[int] = []
flaky = procrastinate.Blueprint()


@flaky.task(
    name="always_fails", retry=procrastinate.RetryStrategy(max_attempts=3, exponential_wait=10)
)
async def always_fails() -> None:
    failures.append(1)
    raise RuntimeError("the outside world is down")


class TestRetries:
    async def test_failed_job_is_rescheduled_with_backoff(
        self, committed_database: Database
    ) -> None:
        app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=committed_database.urls.owner)
        )
        app.add_tasks_from(flaky, namespace="test")
        async with app.open_async():
            await app.configure_task("test:always_fails").defer_async()
            await app.run_worker_async(wait=False, install_signal_handlers=False)
        async with session_scope(committed_database) as session:
            row = (
                await session.execute(
                    text(
                        "select status::text, attempts, scheduled_at - now() "
                        "from procrastinate_jobs"
                    )
                )
            ).one()
        status, attempts, delay = row
        assert failures == [1]
        assert (status, attempts) == ("todo", 1)
        assert delay > timedelta(seconds=5)


class TestPrune:
    async def test_only_old_payloads_are_pruned(self, session: AsyncSession) -> None:
        session.add_all(
            [RealtimePayload(channel="a", body="x"), RealtimePayload(channel="a", body="y")]
        )
        await session.flush()
        assert await prune_payloads(session, older_than=timedelta(hours=1)) == 0
        assert await prune_payloads(session, older_than=timedelta(seconds=-1)) >= 2
        assert await session.scalar(select(func.count()).select_from(RealtimePayload)) == 0


@pytest.fixture(autouse=True)
def _reset_failures() -> None:
    failures.clear()


class TestRegistry:
    def test_every_new_app_gets_every_task_under_the_same_name(self) -> None:
        first = jobs.build_app("postgresql:///unused")
        second = jobs.build_app("postgresql:///unused")
        assert "backbeat:realtime.prune_payloads" in first.tasks
        ours = [name for name in second.tasks if "backbeat:" in name]
        assert ours == [name for name in first.tasks if "backbeat:" in name]
        assert not any(name.count("backbeat:") > 1 for name in ours)
