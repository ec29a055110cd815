"""Realtime fan-out over PostgreSQL LISTEN/NOTIFY and Redis pub/sub."""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from backbeat.embedded import DatabaseUrls
from backbeat.realtime import Broker, PostgresBroker, RedisBroker, create_broker, pg_channel
from tests.servers import REDIS_URL


def redis_reachable() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
        return True
    return False


BrokerFactory = Callable[[], Broker]


@pytest_asyncio.fixture(loop_scope="session", params=["postgres", "redis"])
async def make_broker(
    request: pytest.FixtureRequest, committed_urls: DatabaseUrls
) -> AsyncIterator[BrokerFactory]:
    """Brokers of one backend, each with its own connections, closed after the test."""
    if request.param == "redis" and not redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379 on this machine")
    made: list[Broker] = []

    def factory() -> Broker:
        broker: Broker = (
            RedisBroker(REDIS_URL)
            if request.param == "redis"
            else PostgresBroker(committed_urls.owner)
        )
        made.append(broker)
        return broker

    yield factory
    for broker in made:
        await broker.close()


class TestFanOut:
    async def test_two_subscribers_receive_a_third_publisher_in_order(
        self, make_broker: BrokerFactory
    ) -> None:
        channel = f"session:{uuid.uuid4()}"
        first, second, publisher = make_broker(), make_broker(), make_broker()
        async with first.subscribe(channel) as a, second.subscribe(channel) as b:
            for n in range(20):
                await publisher.publish(channel, f"vote {n}")
            got_a = [await a.next() for _ in range(20)]
            got_b = [await b.next() for _ in range(20)]
        expected = [f"vote {n}" for n in range(20)]
        assert got_a == expected and got_b == expected

    async def test_payload_over_notify_limit_arrives_whole(
        self, make_broker: BrokerFactory
    ) -> None:
        channel = f"uploads:{uuid.uuid4()}"
        listener, publisher = make_broker(), make_broker()
        big = "x" * 20_000 + "end"
        async with listener.subscribe(channel) as messages:
            await publisher.publish(channel, "small")
            await publisher.publish(channel, big)
            await publisher.publish(channel, "after")
            received = [await messages.next() for _ in range(3)]
        assert received == ["small", big, "after"]

    async def test_other_channels_are_not_delivered(self, make_broker: BrokerFactory) -> None:
        broker, publisher = make_broker(), make_broker()
        async with broker.subscribe("room:a") as room_a:
            await publisher.publish("room:b", "not for a")
            await publisher.publish("room:a", "for a")
            assert await room_a.next() == "for a"

    async def test_unsubscribed_channel_stops_delivering(self, make_broker: BrokerFactory) -> None:
        broker, publisher = make_broker(), make_broker()
        async with broker.subscribe("room:c") as room:
            await publisher.publish("room:c", "one")
            assert await room.next() == "one"
        async with broker.subscribe("room:d") as other:
            await publisher.publish("room:c", "lost")
            await publisher.publish("room:d", "two")
            assert await other.next() == "two"
        assert room.queue.empty()


class TestChannelNames:
    def test_any_channel_name_fits_notify(self) -> None:
        name = pg_channel("live-session:" + "x" * 500)
        assert len(name) <= 63 and name.startswith("bb_")
        assert pg_channel("a") != pg_channel("b")

    def test_backend_follows_configuration(self) -> None:
        assert isinstance(
            create_broker(owner_uri="postgresql:///x", redis_url=None), PostgresBroker
        )
        redis_broker = create_broker(owner_uri="postgresql:///x", redis_url=REDIS_URL)
        assert isinstance(redis_broker, RedisBroker)
