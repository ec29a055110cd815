"""Publish/subscribe for live features: PostgreSQL LISTEN/NOTIFY, or Redis when configured."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import psycopg
import redis.asyncio as aioredis

log = logging.getLogger(__name__)

NOTIFY_INLINE_LIMIT = 7900
"""NOTIFY refuses payloads of 8000 bytes; larger messages travel as a stored reference."""
REFERENCE_PREFIX = "ref:"
POLL_SECONDS = 0.1


def pg_channel(channel: str) -> str:
    """A logical channel as a NOTIFY identifier (63 bytes at most, any input)."""
    return "bb_" + hashlib.sha256(channel.encode()).hexdigest()[:40]


@dataclass(eq=False)
class Subscription:
    """Messages of one channel, in publication order, for one subscriber."""

    channel: str
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)

    def __aiter__(self) -> AsyncIterator[str]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[str]:
        while True:
            yield await self.queue.get()

    async def next(self, timeout: float = 5.0) -> str:
        """The next message, or TimeoutError: what tests and simple consumers want."""
        return await asyncio.wait_for(self.queue.get(), timeout)


class Broker(ABC):
    """One listening connection per process, shared by every subscription on it."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}
        self._requests: asyncio.Queue[tuple[str, bool, asyncio.Future[None]]] = asyncio.Queue()
        self._loop_task: asyncio.Task[None] | None = None

    @abstractmethod
    async def publish(self, channel: str, message: str) -> None:
        """Send a message to every current subscriber of the channel, in any process."""

    @abstractmethod
    async def _open(self) -> None: ...

    @abstractmethod
    async def _close(self) -> None: ...

    @abstractmethod
    async def _set_listening(self, channel: str, listening: bool) -> None: ...

    @abstractmethod
    async def _poll(self) -> list[tuple[str, str]]:
        """Wait briefly for messages; return (channel, message) pairs."""

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        """Receive the channel's messages published after this returns."""
        subscription = Subscription(channel)
        first = channel not in self._subscribers
        self._subscribers.setdefault(channel, set()).add(subscription)
        try:
            if first:
                await self._request(channel, listening=True)
            yield subscription
        finally:
            subscribers = self._subscribers.get(channel, set())
            subscribers.discard(subscription)
            if not subscribers:
                self._subscribers.pop(channel, None)
                await self._request(channel, listening=False)

    async def _request(self, channel: str, *, listening: bool) -> None:
        """Ask the loop to (un)listen, and wait until it has."""
        await self._ensure_loop()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._requests.put((channel, listening, done))
        await done

    async def _ensure_loop(self) -> None:
        if self._loop_task is None or self._loop_task.done():
            await self._open()
            self._loop_task = asyncio.create_task(self._run(), name="realtime-listener")

    async def _run(self) -> None:
        """Apply (un)listen requests, then deliver what arrived; one task owns the connection."""
        while True:
            while not self._requests.empty():
                channel, listening, done = self._requests.get_nowait()
                await self._set_listening(channel, listening)
                done.set_result(None)
            for channel, message in await self._poll():
                for subscription in list(self._subscribers.get(channel, ())):
                    subscription.queue.put_nowait(message)

    async def close(self) -> None:
        """Stop listening and release connections."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        await self._close()


class PostgresBroker(Broker):
    """LISTEN/NOTIFY on the database everyone already shares: no extra service to run."""

    def __init__(self, conninfo: str) -> None:
        super().__init__()
        self._conninfo = conninfo
        self._listener: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._names: dict[str, str] = {}

    async def publish(self, channel: str, message: str) -> None:
        async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
            await conn.execute("select backbeat_publish(%s, %s)", (pg_channel(channel), message))

    async def _open(self) -> None:
        if self._listener is None or self._listener.closed:
            self._listener = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)

    async def _close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

    async def _set_listening(self, channel: str, listening: bool) -> None:
        assert self._listener is not None
        name = pg_channel(channel)
        self._names[name] = channel
        verb = "listen" if listening else "unlisten"
        await self._listener.execute(
            psycopg.sql.SQL(verb + " {}").format(psycopg.sql.Identifier(name))
        )

    async def _poll(self) -> list[tuple[str, str]]:
        assert self._listener is not None
        raw: list[tuple[str, str]] = []
        async for notify in self._listener.notifies(timeout=POLL_SECONDS):
            channel = self._names.get(notify.channel)
            if channel is not None:
                raw.append((channel, notify.payload))
        # references are fetched after the generator ends: it holds the connection meanwhile
        return [(channel, await self._resolve(payload)) for channel, payload in raw]

    async def _resolve(self, payload: str) -> str:
        """Inline payloads as they are; references fetched from the payload table."""
        if not payload.startswith(REFERENCE_PREFIX):
            return payload
        assert self._listener is not None
        cursor = await self._listener.execute(
            "select backbeat_published_payload(%s)", (payload.removeprefix(REFERENCE_PREFIX),)
        )
        row = await cursor.fetchone()
        if row is None or row[0] is None:
            raise LookupError(f"realtime payload {payload} was pruned before delivery")
        return str(row[0])


class RedisBroker(Broker):
    """Redis pub/sub: fan-out without touching the database, for many API processes."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self._client: aioredis.Redis = aioredis.from_url(url, decode_responses=True)
        self._pubsub: aioredis.client.PubSub | None = None

    async def publish(self, channel: str, message: str) -> None:
        await self._client.publish(channel, message)

    async def _open(self) -> None:
        if self._pubsub is None:
            self._pubsub = self._client.pubsub()

    async def _close(self) -> None:
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = None
        await self._client.aclose()

    async def _set_listening(self, channel: str, listening: bool) -> None:
        assert self._pubsub is not None
        if listening:
            await self._pubsub.subscribe(channel)
        else:
            await self._pubsub.unsubscribe(channel)

    async def _poll(self) -> list[tuple[str, str]]:
        assert self._pubsub is not None
        if not self._pubsub.subscribed:
            await asyncio.sleep(POLL_SECONDS)
            return []
        arrived: list[tuple[str, str]] = []
        message = await self._pubsub.get_message(
            ignore_subscribe_messages=True, timeout=POLL_SECONDS
        )
        while message is not None:
            arrived.append((str(message["channel"]), str(message["data"])))
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=0)
        return arrived


def create_broker(*, owner_uri: str, redis_url: str | None) -> Broker:
    """Redis when configured, else PostgreSQL."""
    if redis_url:
        return RedisBroker(redis_url)
    return PostgresBroker(owner_uri)
