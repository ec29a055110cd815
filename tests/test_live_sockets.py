"""The shared WebSocket layer: the outbox, the hello, heartbeats and close codes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from backbeat.live_sockets import (
    CloseCode,
    LiveSocket,
    Message,
    Outbox,
    OutboxOverflow,
    SocketRefused,
    parse,
    serve,
)
from tests.servers import serving


class TestOutbox:
    def test_ordered_messages_keep_their_order_and_come_first(self) -> None:
        box = Outbox(limit=10)
        box.put("p1", coalesce="presence:a")
        box.put("v1")
        box.put("v2")
        assert [box.take(), box.take(), box.take(), box.take()] == ["v1", "v2", "p1", None]

    def test_newer_presence_replaces_the_unsent_one(self) -> None:
        box = Outbox(limit=10)
        for n in range(100):
            box.put(f"a{n}", coalesce="presence:a")
        box.put("b0", coalesce="presence:b")
        assert [box.take(), box.take(), box.take()] == ["a99", "b0", None]
        assert box.dropped == 99

    def test_too_many_ordered_messages_overflow_instead_of_blocking(self) -> None:
        box = Outbox(limit=2)
        box.put("1")
        box.put("2")
        with pytest.raises(OutboxOverflow):
            box.put("3")

    async def test_next_waits_for_a_message(self) -> None:
        box = Outbox()
        waiting = asyncio.create_task(box.next())
        await asyncio.sleep(0.01)
        assert not waiting.done()
        box.put("hello")
        assert await asyncio.wait_for(waiting, 1) == "hello"


class TestParse:
    @pytest.mark.parametrize("text", ["[]", '"x"', "{}", '{"type": 3}', "not json"])
    def test_only_objects_with_a_type(self, text: str) -> None:
        assert parse(text) is None

    def test_an_object_with_a_type(self) -> None:
        assert parse('{"type": "presence", "cursor": 1}') == {"type": "presence", "cursor": 1}


async def authenticate(websocket: WebSocket, hello: Message) -> str:
    if hello["token"] == "boom":
        raise RuntimeError("a bug in the domain's check")
    if hello["token"] != "good":
        raise SocketRefused(CloseCode.UNAUTHENTICATED, "bad token")
    if hello.get("room") == "secret":
        raise SocketRefused(CloseCode.FORBIDDEN, "not yours")
    return "alice"


async def echo(live: LiveSocket[str]) -> None:
    live.send({"type": "welcome", "who": live.principal})
    async for message in live.messages():
        if message["type"] == "flood":
            for n in range(50):
                live.send({"type": "item", "n": n})
        else:
            live.send({"type": "echo", "of": message["type"]})


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    app = FastAPI()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await serve(
            websocket, authenticate, echo, hello_timeout=0.5, idle_timeout=0.8, outbox_limit=10
        )

    with serving(app) as address:
        yield f"ws://{address}/ws"


async def drain(socket: ClientConnection) -> None:
    """Read until the server closes the socket."""
    for _ in range(100):
        await asyncio.wait_for(socket.recv(), 3)


async def close_code(socket: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        await drain(socket)
    return closed.value.rcvd.code if closed.value.rcvd else None


class TestServe:
    async def test_hello_then_messages_and_heartbeats(self, url: str) -> None:
        async with connect(url) as socket:
            await socket.send(json.dumps({"type": "hello", "token": "good"}))
            assert json.loads(await socket.recv()) == {"type": "welcome", "who": "alice"}
            await socket.send(json.dumps({"type": "heartbeat"}))
            assert json.loads(await socket.recv()) == {"type": "heartbeat"}
            assert json.loads(await socket.recv()) == {"type": "echo", "of": "heartbeat"}
            await socket.send("[1, 2]")
            assert json.loads(await socket.recv())["type"] == "error"

    @pytest.mark.parametrize(
        ("hello", "code"),
        [
            ({"type": "hello", "token": "bad"}, CloseCode.UNAUTHENTICATED),
            ({"type": "hello"}, CloseCode.UNAUTHENTICATED),
            ({"type": "presence", "token": "good"}, CloseCode.UNAUTHENTICATED),
            ({"type": "hello", "token": "good", "room": "secret"}, CloseCode.FORBIDDEN),
            ({"type": "hello", "token": "boom"}, CloseCode.INTERNAL_ERROR),
        ],
    )
    async def test_a_bad_hello_is_closed_with_its_code(
        self, url: str, hello: Message, code: CloseCode
    ) -> None:
        async with connect(url) as socket:
            await socket.send(json.dumps(hello))
            assert await close_code(socket) == code

    async def test_no_hello_in_time_is_4408(self, url: str) -> None:
        async with connect(url) as socket:
            assert await close_code(socket) == CloseCode.TIMED_OUT

    async def test_a_silent_socket_is_closed_with_4408(self, url: str) -> None:
        async with connect(url) as socket:
            await socket.send(json.dumps({"type": "hello", "token": "good"}))
            assert json.loads(await socket.recv())["type"] == "welcome"
            assert await close_code(socket) == CloseCode.TIMED_OUT

    async def test_a_client_too_far_behind_is_closed_not_waited_for(self, url: str) -> None:
        async with connect(url, max_queue=1) as socket:
            await socket.send(json.dumps({"type": "hello", "token": "good"}))
            await socket.send(json.dumps({"type": "flood"}))
            assert await close_code(socket) == CloseCode.TRY_AGAIN_LATER
