"""The background job queue: procrastinate on PostgreSQL, enqueued in the caller's transaction."""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

import procrastinate
from procrastinate import RetryStrategy
from procrastinate.app import WorkerOptions
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.config import Settings
from backbeat.db import Database

log = logging.getLogger(__name__)

NAMESPACE = "backbeat"
DEFAULT_QUEUE = "default"
DEFAULT_RETRY = RetryStrategy(max_attempts=5, exponential_wait=2)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class TaskSpec:
    """A task as its module declared it, installable into any number of procrastinate apps."""

    name: str
    function: Callable[..., Any]
    options: dict[str, Any]
    periodic: dict[str, Any] | None = None


class TaskRegistry:
    """Task declarations, kept apart from any App.

    procrastinate's Blueprint.add_tasks_from renames and rebinds its tasks to the first App, so a
    second App in the same process (tests, or several databases) would find no task at all.
    """

    def __init__(self) -> None:
        self.specs: dict[str, TaskSpec] = {}

    def task(self, *, name: str, **options: Any) -> Callable[[F], F]:
        """Declare a task (same options as procrastinate's `App.task`)."""

        def register(function: F) -> F:
            self.specs[name] = TaskSpec(name, function, options)
            return function

        return register

    def periodic(self, *, cron: str, periodic_id: str) -> Callable[[F], F]:
        """Run an already declared task on a cron schedule (put it above `task`)."""

        def register(function: F) -> F:
            (spec,) = [s for s in self.specs.values() if s.function is function]
            periodic = {"cron": cron, "periodic_id": periodic_id}
            self.specs[spec.name] = replace(spec, periodic=periodic)
            return function

        return register

    def install(self, app: procrastinate.App) -> None:
        """Register every declared task, under the Backbeat namespace, in this app."""
        for spec in self.specs.values():
            declare = app.task(name=task_name(spec.name), **spec.options)
            task = declare(spec.function)  # type: ignore[no-untyped-call]
            if spec.periodic is not None:
                app.periodic(**spec.periodic)(task)


tasks = TaskRegistry()
"""Every domain registers its tasks here: `@jobs.tasks.task(name="media.analyse", ...)`."""

TASK_MODULES = (
    "backbeat.realtime_store",
    "backbeat.identity.housekeeping",
    "backbeat.media.tasks",
    "backbeat.royalties.tasks",
    "backbeat.studio.tasks",
    "backbeat.listening.tasks",
    "backbeat.taste.generation_tasks",
    "backbeat.taste.tasks",
    "backbeat.billing.webhook_tasks",
    "backbeat.offerings.tasks",
)
"""Modules whose import registers tasks; a worker imports them all before it starts."""


def task_name(name: str) -> str:
    """The full name a task is stored under."""
    return f"{NAMESPACE}:{name}"


def build_app(owner_uri: str) -> procrastinate.App:
    """A procrastinate app on the owner connection with every registered task."""
    for module in TASK_MODULES:
        importlib.import_module(module)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=owner_uri))
    tasks.install(app)
    return app


def database_of(context: procrastinate.JobContext) -> Database:
    """The Database a worker was started with (tasks use it through session_scope)."""
    database = (context.additional_context or {}).get("database")
    if not isinstance(database, Database):
        raise RuntimeError("the worker was started without a database in its context")
    return database


async def enqueue(
    session: AsyncSession,
    name: str,
    args: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    queue: str = DEFAULT_QUEUE,
    scheduled_at: datetime | None = None,
) -> int | None:
    """Queue a job in the caller's transaction; None when an identical key is already waiting."""
    result = await session.execute(
        text("select backbeat_enqueue_job(:task, cast(:args as jsonb), :queue, :key, :at)"),
        {
            "task": task_name(name),
            "args": json.dumps(args),
            "queue": queue,
            "key": idempotency_key,
            "at": scheduled_at,
        },
    )
    job_id: int | None = result.scalar_one()
    return job_id


def settings_of(context: procrastinate.JobContext) -> Settings:
    """The Settings a worker was started with: a job never reads the environment itself."""
    settings = (context.additional_context or {}).get("settings")
    if not isinstance(settings, Settings):
        raise RuntimeError("the worker was started without settings in its context")
    return settings


async def run_worker(
    database: Database,
    *,
    settings: Settings,
    concurrency: int = 4,
    wait: bool = True,
    queues: list[str] | None = None,
) -> None:
    """Run jobs until cancelled (or, with wait=False, until the queue is empty)."""
    app = build_app(database.urls.owner)
    options: WorkerOptions = {
        "concurrency": concurrency,
        "wait": wait,
        "install_signal_handlers": False,
        "additional_context": {"database": database, "settings": settings},
    }
    if queues is not None:  # procrastinate: no `queues` argument means every queue
        options["queues"] = queues
    async with app.open_async():
        await app.run_worker_async(**options)


@dataclass(frozen=True)
class JobRow:
    """One job as `backbeat jobs list` shows it."""

    id: int
    task_name: str
    status: str
    attempts: int
    queueing_lock: str | None
    scheduled_at: datetime | None


async def list_jobs(
    session: AsyncSession, *, status: str | None = None, limit: int = 50
) -> list[JobRow]:
    """The most recent jobs, newest first."""
    rows = await session.execute(
        text(
            "select id, task_name, status::text, attempts, queueing_lock, scheduled_at "
            "from procrastinate_jobs "
            "where (cast(:status as text) is null or status::text = :status) "
            "order by id desc limit :limit"
        ),
        {"status": status, "limit": limit},
    )
    return [JobRow(*row) for row in rows.all()]
