"""Hot reads in one round trip: role, claims, session check and the statement in one message.

A read is one SQL statement that returns its response body as JSON text. The reader sends
`select set_config('role', …), set_config('request.jwt.claims', …), auth.require_live_session(…);
<statement>` as ONE simple-protocol query with the values bound by psycopg on the client. A
multi-statement query is one implicit transaction, so the role and claims (set `is_local`) end
with it — even when the statement fails — and the connection returns to the pool clean.

Both statements are prepared once per connection (`prepare bb_… as …` rides in the first message
that needs it; later messages say `execute bb_…(…)`), because planning a statement under
row-level security costs PostgreSQL more than running it. PostgreSQL keeps prepared statements
per session and outside transactions, and re-plans one by itself when the role it runs as changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
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


PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Read:
    """One hot read: a statement returning a single text/json column, `%(name)s` parameters.

    A literal `%` in the SQL is written `%%` (the values are bound on the client).
    """

    sql: str
    name: str = field(init=False)
    parameters: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(dict.fromkeys(PLACEHOLDER.findall(self.sql)))
        digest = hashlib.sha256(self.sql.encode()).hexdigest()[:20]
        object.__setattr__(self, "name", f"bb_{digest}")
        object.__setattr__(self, "parameters", names)

    def message(self) -> str:
        """The whole query string, unprepared (what a baseline sends)."""
        return PRELUDE + self.sql

    def prepare_sql(self) -> str:
        """`prepare bb_… as …` with positional parameters (types inferred by PostgreSQL)."""
        position = {name: index + 1 for index, name in enumerate(self.parameters)}
        body = PLACEHOLDER.sub(lambda m: f"${position[m.group(1)]}", self.sql)
        return f"prepare {self.name} as {body}"

    def execute_sql(self) -> str:
        """`execute bb_…(%(a)s, …)`: the values bound on the client, in parameter order."""
        arguments = ", ".join(f"%({name})s" for name in self.parameters)
        return f"execute {self.name}({arguments})" if arguments else f"execute {self.name}"


PRELUDE_READ = Read(PRELUDE.rstrip("; "))
MAX_PREPARED_PER_CONNECTION = 500
"""Dynamic reads (search filters) each prepare once; past this a connection sends them plain."""


class PreparedReads:
    """Which reads each connection has prepared (their names, by connection, weakly)."""

    def __init__(self) -> None:
        self._names: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()

    def message(self, conn: Any, read: Read) -> str:
        """Prelude and statement as `execute`, with the `prepare`s this connection still needs."""
        known = self._names.setdefault(conn, set())
        if read.name not in known and len(known) >= MAX_PREPARED_PER_CONNECTION:
            return read.message()
        missing = [r for r in (PRELUDE_READ, read) if r.name not in known]
        prepares = "".join(f"{r.prepare_sql()}; " for r in missing)
        known.update(r.name for r in missing)
        return f"{prepares}{PRELUDE_READ.execute_sql()}; {read.execute_sql()}"

    async def resync(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """After a failed message: learn from PostgreSQL which of ours really exist (a failed
        `prepare` made nothing; one that ran before the failure stays)."""
        rows = await conn.execute("select name from pg_prepared_statements")
        self._names[conn] = {str(row[0]) async for row in rows if str(row[0]).startswith("bb_")}

    async def recover(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Resync a live connection; a broken one is forgotten and closed (the pool drops it)."""
        if not conn.closed and not conn.broken:
            try:
                await self.resync(conn)
                return
            except psycopg.Error:
                await conn.close()
        self._names.pop(conn, None)


PREPARED = PreparedReads()


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


async def run_read(
    conn: psycopg.AsyncConnection[Any],
    read: Read,
    values: Params,
    *,
    before: str = "",
    prepared: bool = True,
) -> list[Row]:
    """Send one message (after `before`, e.g. a savepoint); the rows of its last statement.

    `prepared=False` sends the statements as text every time (behind PgBouncer in transaction
    mode, which cannot keep a session's prepared statements)."""
    message = PREPARED.message(conn, read) if prepared else read.message()
    cursor = psycopg.AsyncClientCursor(conn)
    await cursor.execute(before + message, values)
    while cursor.nextset():
        pass
    return await cursor.fetchall()


class PoolReader:
    """Production: a psycopg pool of API-role connections in autocommit (each message is one
    implicit transaction); opened on first use so commands that never read never connect."""

    def __init__(self, api_uri: str, *, max_size: int, prepared: bool = True) -> None:
        self._pool = AsyncConnectionPool(
            api_uri,
            min_size=min(2, max_size),
            max_size=max_size,
            kwargs={"autocommit": True, "prepare_threshold": None},
            open=False,
        )
        self._opened = False
        self._opening = asyncio.Lock()
        self._prepared = prepared

    async def fetch(
        self, claims: Claims, read: Read, params: Params, *, timeout: float | None = None
    ) -> list[Row]:
        if not self._opened:
            await self._open()
        values = prelude_params(claims, params)
        async with self._pool.connection(timeout=timeout) as conn:
            try:
                return await run_read(conn, read, values, prepared=self._prepared)
            except psycopg.errors.InvalidSqlStatementName:
                await PREPARED.resync(conn)  # someone ran DEALLOCATE: prepare again, once
                return await run_read(conn, read, values)
            except psycopg.Error:
                await PREPARED.recover(conn)
                raise

    async def _open(self) -> None:
        async with self._opening:
            if not self._opened:
                await self._pool.open(wait=False)
                self._opened = True

    async def close(self) -> None:
        if self._opened:
            await self._pool.close()
            self._opened = False
