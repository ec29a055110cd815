"""Liveness, readiness and metrics endpoints for operators and orchestrators."""

from __future__ import annotations

from pathlib import Path

import psycopg
from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from psycopg.errors import InvalidSchemaName, UndefinedFunction, UndefinedTable
from psycopg_pool import PoolTimeout
from pydantic import BaseModel

from backbeat.db import ANONYMOUS
from backbeat.edge import State, app_state, json_text
from backbeat.reads import Read, Reader

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


REVISION_READ = Read("select version_num from alembic_version limit 1")
NOT_MIGRATED = (UndefinedTable, UndefinedFunction, InvalidSchemaName)
READY_TIMEOUT_SECONDS = 2.0


async def database_revision(reader: Reader) -> str | None:
    """The schema revision ("" when not migrated), or None when the database is unreachable.

    One lean read as the anonymous role: the same path every hot read takes."""
    try:
        rows = await reader.fetch(ANONYMOUS, REVISION_READ, {}, timeout=READY_TIMEOUT_SECONDS)
    except NOT_MIGRATED:
        return ""
    except (OSError, psycopg.Error, PoolTimeout):
        return None  # unreachable or refusing: "not ready", never a 500
    return str(rows[0][0]) if rows else ""


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(state: State) -> Response:
    """Ready: the database answers and is migrated to head (503 otherwise)."""
    revision = await database_revision(state.require_database().reader)
    current = revision is not None and revision in state.migration_heads
    ready = revision is not None and current
    body = Readiness(
        status="ready" if ready else "not_ready",
        database=revision is not None,
        migrations_current=current,
        revision=revision or None,
    )
    return json_text(body.model_dump_json(), status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus exposition of this process's request metrics."""
    registry = app_state(request).metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
