"""Liveness, readiness and metrics endpoints for operators and orchestrators."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backbeat.db import Database
from backbeat.edge import app_state

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"

router = APIRouter(tags=["operations"])


def alembic_config(url: str | None = None) -> Config:
    """The project's Alembic configuration, optionally aimed at a given database."""
    config = Config(str(ALEMBIC_INI))
    if url is not None:
        config.attributes["url"] = url
    return config


def migration_heads() -> set[str]:
    """The revisions a fully migrated database is at."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


class Health(BaseModel):
    """Whether this process is alive."""

    status: str


class Readiness(BaseModel):
    """Whether this process can serve: database reachable and schema at head."""

    status: str
    database: bool
    migrations_current: bool
    revision: str | None


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Alive: the process answers."""
    return Health(status="ok")


async def database_revision(database: Database) -> str | None:
    """The schema revision, or None when the database is unreachable or empty."""
    async with database.api_engine.connect() as conn:
        exists = await conn.scalar(text("select to_regclass('public.alembic_version') is not null"))
        if not exists:
            return ""
        revision = await conn.scalar(text("select version_num from alembic_version limit 1"))
        return str(revision) if revision is not None else ""


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(request: Request, response: Response) -> Readiness:
    """Ready: the database answers and is migrated to head (503 otherwise)."""
    state = app_state(request)
    database = state.require_database()
    try:
        revision = await database_revision(database)
    except (OSError, SQLAlchemyError):
        revision = None  # unreachable or refusing: "not ready", never a 500
    current = revision is not None and revision in state.migration_heads
    ready = revision is not None and current
    response.status_code = 200 if ready else 503
    return Readiness(
        status="ready" if ready else "not_ready",
        database=revision is not None,
        migrations_current=current,
        revision=revision or None,
    )


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus exposition of this process's request metrics."""
    registry = app_state(request).metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
