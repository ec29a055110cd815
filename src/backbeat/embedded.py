"""The configured PostgreSQL, or an embedded one (pgserver) living in the data dir."""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
from sqlalchemy.engine import URL, make_url

from backbeat.config import Settings

log = logging.getLogger(__name__)

DATABASE_NAME = "backbeat"
API_LOGIN_ROLE = "backbeat_api"


@dataclass(frozen=True)
class DatabaseUrls:
    """The owner URL (migrations, CLI, jobs) and the API's unprivileged login URL."""

    owner: str
    api: str


def sqlalchemy_url(uri: str) -> URL:
    """Any postgres URI, as a psycopg 3 SQLAlchemy URL."""
    return make_url(uri).set(drivername="postgresql+psycopg")


def libpq_uri(url: URL) -> str:
    """A SQLAlchemy URL as the plain URI psycopg and procrastinate understand."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def api_url_for(owner: str) -> str:
    """The API's login role on the same server and database as the owner URL."""
    return libpq_uri(sqlalchemy_url(owner).set(username=API_LOGIN_ROLE, password=None))


HANDLE_LIST = ".handle_pids.json"
"""pgserver 0.1.4 counts its users in this file and stops the server when the last one exits."""


def forget_dead_handles(pgdata: Path) -> None:
    """Drop pids of processes that died without exiting cleanly (kill -9, a crash).

    Otherwise pgserver waits for them forever and never stops the server on a clean exit.
    """
    handles = pgdata / HANDLE_LIST
    if not handles.exists():
        return
    pids = [pid for pid in json.loads(handles.read_text() or "[]") if psutil.pid_exists(pid)]
    handles.write_text(json.dumps(pids))


def start_embedded(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL 16 in data_dir; return its superuser URI."""
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on servers
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: only the embedded mode needs it

        pgdata = (data_dir / "pg").resolve()
        pgdata.mkdir(parents=True, exist_ok=True)
        forget_dead_handles(pgdata)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    uri: str = server.get_uri()
    return uri


def ensure_database(server_uri: str, name: str) -> str:
    """Create database `name` on the server if missing; return its URI."""
    with psycopg.connect(server_uri, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(psycopg.sql.SQL("create database {}").format(psycopg.sql.Identifier(name)))
            log.info("created database %s", name)
    return libpq_uri(sqlalchemy_url(server_uri).set(database=name))


def resolve_urls(settings: Settings) -> DatabaseUrls:
    """Settings' URLs, starting the embedded server when no database URL is configured."""
    owner = settings.database_url
    if owner is None:
        owner = ensure_database(start_embedded(settings.data_dir), DATABASE_NAME)
    api = settings.api_database_url or api_url_for(owner)
    return DatabaseUrls(owner=owner, api=api)
