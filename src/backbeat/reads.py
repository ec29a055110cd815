"""Hot reads in one round trip: role, claims, session check and the statement in one message.

A read is one SQL statement that returns its response body as JSON text. The reader sends
`select set_config('role', …), set_config('request.jwt.claims', …), auth.require_live_session(…);
<statement>` as ONE simple-protocol query with the values bound by psycopg on the client. A
multi-statement query is one implicit transaction, so the role and claims (set `is_local`) end
with it — even when the statement fails — and the connection returns to the pool clean.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import psycopg
from psycopg_pool import AsyncConnectionPool

if TYPE_CHECKING:
    from backbeat.db import Claims

PRELUDE = (
    "select set_config('role', %(_role)s, true), "
    "set_config('request.jwt.claims', %(_claims)s, true), "
    "auth.require_live_session(%(_session)s::uuid); "
)
"""Become the caller; a revoked or expired session fails the whole message (SQLSTATE 28000)."""

Params = Mapping[str, object]


@dataclass(frozen=True)
class Read:
    """One hot read: a statement returning a single text/json column, `%(name)s` parameters.

    A literal `%` in the SQL is written `%%` (the values are bound on the client).
    """

    sql: str

    def message(self) -> str:
        """The whole query string sent to PostgreSQL."""
        return PRELUDE + self.sql


def prelude_params(claims: Claims, params: Params) -> dict[str, object]:
    """The statement's own parameters plus the caller's role, claims and session."""
    return {
        "_role": claims.db_role,
        "_claims": claims.as_json(),
        "_session": claims.session_id,
        **params,
    }


Row = tuple[Any, ...]


class Reader(Protocol):
    """Runs a Read as a caller and returns the rows of its statement."""

    async def fetch(
        self, claims: Claims, read: Read, params: Params, *, timeout: float | None = None
    ) -> list[Row]:
        """`timeout`: how long to wait for a pooled connection (None: the pool's default)."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class ReadSession:
    """A request's lean reads: the app's reader bound to the caller's claims."""

    reader: Reader
    claims: Claims

    async def one(self, read: Read, **params: object) -> str | None:
        """The read's JSON text for this caller (first column), or None when it found no row."""
        rows = await self.reader.fetch(self.claims, read, params)
        return None if not rows or rows[0][0] is None else str(rows[0][0])

    async def rows(self, read: Read, **params: object) -> list[Row]:
        """Every row the read returns, for reads that page or combine several values."""
        return await self.reader.fetch(self.claims, read, params)


async def run_read(conn: psycopg.AsyncConnection[Any], query: str, values: Params) -> list[Row]:
    """Send the message; the rows of its last statement."""
    cursor = psycopg.AsyncClientCursor(conn)
    await cursor.execute(query, values)
    while cursor.nextset():
        pass
    return await cursor.fetchall()


class PoolReader:
    """Production: a psycopg pool of API-role connections in autocommit (each message is one
    implicit transaction); opened on first use so commands that never read never connect."""

    def __init__(self, api_uri: str, *, max_size: int) -> None:
        self._pool = AsyncConnectionPool(
            api_uri,
            min_size=min(2, max_size),
            max_size=max_size,
            kwargs={"autocommit": True, "prepare_threshold": None},
            open=False,
        )
        self._opened = False
        self._opening = asyncio.Lock()

    async def fetch(
        self, claims: Claims, read: Read, params: Params, *, timeout: float | None = None
    ) -> list[Row]:
        if not self._opened:
            await self._open()
        async with self._pool.connection(timeout=timeout) as conn:
            return await run_read(conn, read.message(), prelude_params(claims, params))

    async def _open(self) -> None:
        async with self._opening:
            if not self._opened:
                await self._pool.open(wait=False)
                self._opened = True

    async def close(self) -> None:
        if self._opened:
            await self._pool.close()
            self._opened = False
