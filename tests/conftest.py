"""One embedded PostgreSQL per run, migrated once into a template; each test rolls back."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import pytest_asyncio
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Connection, Result, event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from backbeat.app import create_app
from backbeat.config import Settings
from backbeat.db import Claims, Database, sessionmaker_for
from backbeat.embedded import DatabaseUrls, api_url_for, ensure_database, libpq_uri, sqlalchemy_url
from backbeat.health import alembic_config
from backbeat.reads import PREPARED, Params, Read, Row, prelude_params, run_read

TEMPLATE = "backbeat_template"


@pytest.fixture(scope="session")
def server_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway embedded PostgreSQL 16 with pgvector, deleted at the end of the run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()


def database_uri(server_uri: str, name: str) -> str:
    """The URI of database `name` on the test server."""
    return libpq_uri(sqlalchemy_url(server_uri).set(database=name))


def clone_database(server_uri: str, name: str) -> DatabaseUrls:
    """A new database copied from the migrated template (fast: a file copy)."""
    with psycopg.connect(server_uri, autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{TEMPLATE}"')
    owner = database_uri(server_uri, name)
    return DatabaseUrls(owner=owner, api=api_url_for(owner))


def drop_database(server_uri: str, name: str) -> None:
    """Drop a cloned database, disconnecting whoever is left."""
    with psycopg.connect(server_uri, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def template_uri(server_uri: str) -> str:
    """The template database, migrated to head once per run."""
    uri = ensure_database(server_uri, TEMPLATE)
    command.upgrade(alembic_config(uri), "head")
    return uri


@pytest.fixture(scope="session")
def test_urls(server_uri: str, template_uri: str) -> DatabaseUrls:
    """The database that rolled-back tests share."""
    return clone_database(server_uri, "backbeat_test")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database(test_urls: DatabaseUrls) -> AsyncIterator[Database]:
    """Engines on the shared test database."""
    db = Database.connect(test_urls, pool_size=2)
    yield db
    await db.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def connection(database: Database) -> AsyncIterator[AsyncConnection]:
    """An owner connection inside a transaction that is rolled back after the test."""
    async with database.owner_engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest_asyncio.fixture(loop_scope="session")
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """An owner session in the test's transaction (for factories and assertions)."""
    async with sessionmaker_for(connection)() as owner_session:
        yield owner_session


def settings_for_tests(**overrides: object) -> Settings:
    """Settings for tests: no worker, no Redis unless asked."""
    values: dict[str, object] = {"environment": "test", "run_worker": False, **overrides}
    return Settings(**values)  # type: ignore[arg-type]


class _RollbackOwnerSession(Session):
    """An owner session on the test's shared connection: each statement runs as the owner.

    API sessions on the same connection set the caller's role with `set_config(…, true)`, which
    outlives their savepoint, and one may still be open around (or interleaved with) an owner
    session, e.g. a request's DbSession and identity's AuthSession. So the owner role is taken
    for each owner statement and flush, and the caller's role and claims given back after it.
    """


_CALLER = text(
    "select current_setting('role'), coalesce(current_setting('request.jwt.claims', true), '')"
)
_BECOME = text(
    "select set_config('role', :role, true), set_config('request.jwt.claims', :claims, true)"
)


def _become_owner(conn: Connection) -> tuple[str, str]:
    """Switch to the owner; the caller's role and claims, to give back."""
    role, claims = conn.execute(_CALLER).one()
    conn.execute(_BECOME, {"role": "none", "claims": ""})
    return str(role), str(claims)


def _give_back(conn: Connection, caller: tuple[str, str]) -> None:
    """The caller's role and claims again (after an error, the savepoint's rollback does it)."""
    conn.execute(_BECOME, {"role": caller[0], "claims": caller[1]})


@event.listens_for(_RollbackOwnerSession, "do_orm_execute")
def _execute_as_owner(state: ORMExecuteState) -> Result[Any]:
    conn = state.session.connection()
    caller = _become_owner(conn)
    result = state.invoke_statement()
    _give_back(conn, caller)
    return result


@event.listens_for(_RollbackOwnerSession, "before_flush")
def _flush_as_owner(session: Session, context: UOWTransaction, instances: object) -> None:
    session.info["caller"] = _become_owner(session.connection())


@event.listens_for(_RollbackOwnerSession, "after_flush")
def _flushed(session: Session, context: UOWTransaction) -> None:
    _give_back(session.connection(), session.info.pop("caller"))


class RollbackReader:
    """The lean reader on the test's connection, in a savepoint: it sees the test's rows, keeps
    what it wrote (a session's activity) like production's implicit transaction, and its role
    and claims end with it (a failed read rolls the savepoint back)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.fetches = 0  # how many lean reads ran (each is one statement, one round trip)

    async def fetch(
        self, claims: Claims, read: Read, params: Params, *, timeout: float | None = None
    ) -> list[Row]:
        self.fetches += 1
        raw = (await self.connection.get_raw_connection()).driver_connection
        assert isinstance(raw, psycopg.AsyncConnection)
        await PREPARED.resync(raw)  # the ORM's psycopg may DEALLOCATE ALL on this connection
        try:
            rows = await run_read(
                raw, read, prelude_params(claims, params), before="savepoint lean_read; "
            )
        except BaseException:
            await raw.execute("rollback to savepoint lean_read")
            await PREPARED.resync(raw)
            raise
        await raw.execute(
            "release savepoint lean_read; reset role; "
            "select set_config('request.jwt.claims', '', true)"
        )
        return rows

    async def close(self) -> None:
        return None


def rollback_database(database: Database, connection: AsyncConnection) -> Database:
    """A Database whose every session joins the test's transaction as a savepoint.

    API and owner sessions share the test's one connection (the rollback needs it), so owner
    sessions run as the owner by themselves, as on a fresh owner connection.
    """
    api_sessions = sessionmaker_for(connection)
    owner_sessions = async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        join_transaction_mode="create_savepoint",
        sync_session_class=_RollbackOwnerSession,
    )
    return Database(
        database.urls,
        database.api_engine,
        database.owner_engine,
        api_sessions,
        owner_sessions,
        RollbackReader(connection),
    )


@pytest_asyncio.fixture(loop_scope="session")
async def app(database: Database, connection: AsyncConnection) -> AsyncIterator[FastAPI]:
    """The real app, its requests running inside the test's transaction."""
    application = create_app(settings_for_tests(), database=rollback_database(database, connection))
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def rollback_client(
    app: FastAPI, connection: AsyncConnection
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for an app; after each response the test's connection is owner again."""

    async def back_to_owner(response: httpx.Response) -> None:
        await connection.execute(
            text("reset role; select set_config('request.jwt.claims', '', true)")
        )

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", event_hooks={"response": [back_to_owner]}
    ) as http:
        yield http


@pytest_asyncio.fixture(loop_scope="session")
async def client(app: FastAPI, connection: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    """The real app's client, its requests inside the test's transaction."""
    async with rollback_client(app, connection) as http:
        yield http


@pytest.fixture
def committed_urls(server_uri: str, template_uri: str) -> Iterator[DatabaseUrls]:
    """A fresh migrated database for tests that must really commit (locks, NOTIFY, jobs)."""
    name = f"backbeat_c_{uuid.uuid4().hex[:12]}"
    yield clone_database(server_uri, name)
    drop_database(server_uri, name)


@pytest_asyncio.fixture(loop_scope="session")
async def committed_database(committed_urls: DatabaseUrls) -> AsyncIterator[Database]:
    """Engines on a fresh committed database."""
    db = Database.connect(committed_urls, pool_size=2)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout, for tests that read project files."""
    return Path(__file__).resolve().parents[1]
