"""Database plumbing: the declarative base, engines, sessions, row-level security claims."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import psycopg
from sqlalchemy import DateTime, MetaData, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from backbeat.embedded import DatabaseUrls, sqlalchemy_url
from backbeat.reads import PRELUDE, PoolReader, Reader, prelude_params

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ANON_ROLE = "backbeat_anon"
USER_ROLE = "backbeat_user"
SERVICE_ROLE = "backbeat_service"


class Base(DeclarativeBase):
    """Every table's base: named constraints and timezone-aware timestamps."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


@dataclass(frozen=True)
class Claims:
    """Who is calling, as row-level security policies see it through auth.jwt()."""

    sub: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def db_role(self) -> str:
        """Signed-in callers act as backbeat_user, everyone else as backbeat_anon."""
        return USER_ROLE if self.sub else ANON_ROLE

    def as_json(self) -> str:
        """The claims document that auth.jwt() returns (serialised once per Claims)."""
        return self._json

    @functools.cached_property
    def _json(self) -> str:
        return json.dumps({**self.payload, "sub": self.sub, "role": self.db_role})

    @property
    def session_id(self) -> str | None:
        """The signed-in session these claims come from (None: anonymous or a personal token)."""
        found = self.payload.get("session_id") if self.sub else None
        return str(found) if found else None


ANONYMOUS = Claims()


async def apply_claims(session: AsyncSession, claims: Claims) -> None:
    """Switch role, set claims and check the caller's session, in one statement."""
    await session.execute(
        text(
            "select set_config('role', :role, true), "
            "set_config('request.jwt.claims', :claims, true), "
            "auth.require_live_session(cast(:session as uuid))"
        ),
        {"role": claims.db_role, "claims": claims.as_json(), "session": claims.session_id},
    )


async def begin_as_caller(session: AsyncSession, claims: Claims) -> None:
    """Open the request's transaction as the caller: BEGIN, role, claims and the session check
    in ONE round trip on the API's pool; inside an open transaction (tests' savepoints), the
    claims statement alone."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if not isinstance(driver, psycopg.AsyncConnection) or not driver.autocommit:
        await apply_claims(session, claims)
        return
    cursor = psycopg.AsyncClientCursor(driver)
    await cursor.execute("begin; " + PRELUDE, prelude_params(claims, {}))


async def require_live_session(session: AsyncSession, claims: Claims) -> None:
    """For owner transactions acting for a caller: the same session check, nothing else."""
    if claims.session_id is not None:
        await session.execute(
            text("select auth.require_live_session(cast(:session as uuid))"),
            {"session": claims.session_id},
        )


def make_engine(url: str, *, pool_size: int = 10, begins_itself: bool = False) -> AsyncEngine:
    """An async engine on psycopg 3 for any postgres URI.

    `begins_itself`: the driver stays in autocommit and every transaction is opened by
    `begin_as_caller`, whose BEGIN travels in one message with the caller's claims (psycopg
    would otherwise send its implicit BEGIN as a round trip of its own). COMMIT and ROLLBACK
    still reach PostgreSQL: psycopg sends them whenever a transaction is open.
    """
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        hide_parameters=True,  # a logged database error must not carry token hashes or secrets
        **({"isolation_level": "AUTOCOMMIT"} if begins_itself else {}),
    )


@dataclass
class Database:
    """The ways into PostgreSQL: ORM sessions as the API's login role or as the owner, and the
    lean reader (one round trip per hot read) as the API's login role."""

    urls: DatabaseUrls
    api_engine: AsyncEngine
    owner_engine: AsyncEngine
    api_sessions: async_sessionmaker[AsyncSession]
    owner_sessions: async_sessionmaker[AsyncSession]
    reader: Reader

    @classmethod
    def connect(
        cls, urls: DatabaseUrls, *, pool_size: int = 10, prepared_reads: bool = True
    ) -> Database:
        """Engines, session factories and the reader (every connection opens lazily)."""
        api = make_engine(urls.api, pool_size=pool_size, begins_itself=True)
        owner = make_engine(urls.owner, pool_size=max(2, pool_size // 2))
        reader = PoolReader(urls.api, max_size=pool_size, prepared=prepared_reads)
        return cls(urls, api, owner, sessionmaker_for(api), sessionmaker_for(owner), reader)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.reader.close()
        await self.api_engine.dispose()
        await self.owner_engine.dispose()


def sessionmaker_for(bind: AsyncEngine | AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit (responses are built after it)."""
    if isinstance(bind, AsyncConnection):
        return async_sessionmaker(
            bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
    return async_sessionmaker(bind=bind, expire_on_commit=False)


@asynccontextmanager
async def session_scope(database: Database) -> AsyncIterator[AsyncSession]:
    """One owner transaction for a CLI command or a job (bypasses row-level security)."""
    async with database.owner_sessions() as session, session.begin():
        yield session
