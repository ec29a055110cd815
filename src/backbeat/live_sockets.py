"""The one WebSocket layer every live feature shares: hello, heartbeats, a bounded outbox.

A client's first message is `{"type": "hello", "token": …}` (tokens never travel in URLs); the
domain's `authenticate` turns it into a principal or refuses with a close code. Every message
either way is a JSON object with a `type`. Each socket has a bounded outbox: ordered messages
queue up to a limit (a client that falls further behind is closed with 1013, never a blocked
writer), and coalesced ones (presence) keep only the newest per key, so stale presence is
dropped. A socket silent for `idle_timeout` seconds is closed with 4408.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Generic, TypeVar

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

P = TypeVar("P")
log = logging.getLogger(__name__)
Message = dict[str, Any]


class CloseCode(IntEnum):
    """Why the server closed a socket."""

    NORMAL = 1000
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013  # the client fell too far behind its outbox
    UNAUTHENTICATED = 4401
    FORBIDDEN = 4403
    TIMED_OUT = 4408


class SocketRefused(Exception):
    """Raised by a domain to close the socket with a code and a reason."""

    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class OutboxOverflow(Exception):
    """More ordered messages are waiting than the outbox holds."""


@dataclass
class Outbox:
    """A socket's send queue: ordered messages (bounded) and newest-wins coalesced ones."""

    limit: int = 256
    _ordered: deque[str] = field(default_factory=deque)
    _latest: dict[str, str] = field(default_factory=dict)
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: int = 0

    def put(self, text: str, *, coalesce: str | None = None) -> None:
        """Queue a message; with `coalesce`, it replaces any unsent one under the same key."""
        if coalesce is not None:
            if self._latest.pop(coalesce, None) is not None:
                self.dropped += 1
            self._latest[coalesce] = text
            while len(self._latest) > self.limit:
                self._latest.pop(next(iter(self._latest)))
                self.dropped += 1
        elif len(self._ordered) >= self.limit:
            raise OutboxOverflow(f"{len(self._ordered)} messages are waiting")
        else:
            self._ordered.append(text)
        self._ready.set()

    @property
    def has_ordered(self) -> bool:
        return bool(self._ordered)

    def __len__(self) -> int:
        return len(self._ordered) + len(self._latest)

    def take(self) -> str | None:
        """The next message to send (ordered ones first), or None when empty."""
        if self._ordered:
            return self._ordered.popleft()
        if self._latest:
            return self._latest.pop(next(iter(self._latest)))
        self._ready.clear()
        return None

    async def next(self) -> str:
        """Wait for the next message."""
        while (text := self.take()) is None:
            await self._ready.wait()
        return text


def parse(text: str) -> Message | None:
    """A client message: a JSON object with a string `type`, or None."""
    try:
        message = json.loads(text)
    except ValueError:
        return None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return None
    return message


def encode(message: Message) -> str:
    """A message as compact JSON text."""
    return json.dumps(message, separators=(",", ":"), default=str)


@dataclass
class LiveSocket(Generic[P]):
    """An authenticated socket: send through its outbox, read its messages with the timeout."""

    websocket: WebSocket
    principal: P
    hello: Message
    idle_timeout: float
    outbox: Outbox = field(default_factory=Outbox)
    closing: tuple[CloseCode, str] | None = None

    def send(self, message: Message, *, coalesce: str | None = None) -> None:
        """Queue a message (never waits); a client too far behind is closed."""
        self.send_text(encode(message), coalesce=coalesce)

    def send_text(self, text: str, *, coalesce: str | None = None) -> None:
        try:
            self.outbox.put(text, coalesce=coalesce)
        except OutboxOverflow:
            self.close(CloseCode.TRY_AGAIN_LATER, "too far behind")

    def close(self, code: CloseCode, reason: str) -> None:
        """Ask the layer to close the socket once the handler returns."""
        if self.closing is None:
            self.closing = (code, reason)
        self.outbox.put("", coalesce="\x00close")

    async def messages(self) -> AsyncIterator[Message]:
        """Client messages until it closes; heartbeats are answered here and passed on; silence
        for idle_timeout closes with 4408; a malformed message gets an error reply."""
        while self.closing is None:
            try:
                text = await asyncio.wait_for(self.websocket.receive_text(), self.idle_timeout)
            except TimeoutError:
                self.close(CloseCode.TIMED_OUT, "no message within the heartbeat timeout")
                return
            except (WebSocketDisconnect, RuntimeError):
                return
            message = parse(text)
            if message is None:
                self.send({"type": "error", "detail": "Send JSON objects with a `type`."})
                continue
            if message["type"] == "heartbeat":
                self.send({"type": "heartbeat"})
            yield message


Authenticate = Callable[[WebSocket, Message], Awaitable[P]]
Handler = Callable[[LiveSocket[P]], Awaitable[None]]


async def _hello(websocket: WebSocket, timeout: float) -> Message:
    try:
        text = await asyncio.wait_for(websocket.receive_text(), timeout)
    except TimeoutError:
        raise SocketRefused(CloseCode.TIMED_OUT, "no hello in time") from None
    message = parse(text)
    if message is None or message["type"] != "hello" or not isinstance(message.get("token"), str):
        raise SocketRefused(
            CloseCode.UNAUTHENTICATED, "the first message must be a hello with a token"
        )
    return message


async def _send_loop(live: LiveSocket[Any]) -> None:
    """Drain the outbox into the socket; once closing, send what is ordered, then close."""
    while True:
        text = await live.outbox.next()
        if text:
            await live.websocket.send_text(text)
        if live.closing is not None and not live.outbox.has_ordered:
            code, reason = live.closing
            await _close(live.websocket, code, reason)
            return


async def serve(
    websocket: WebSocket,
    authenticate: Authenticate[P],
    handler: Handler[P],
    *,
    hello_timeout: float = 10.0,
    idle_timeout: float = 30.0,
    outbox_limit: int = 256,
) -> None:
    """Accept, authenticate the hello, run the domain's handler with a sender alongside, close."""
    await websocket.accept()
    try:
        hello = await _hello(websocket, hello_timeout)
        principal = await authenticate(websocket, hello)
    except SocketRefused as refused:
        await _close(websocket, refused.code, refused.reason)
        return
    except WebSocketDisconnect:
        return
    except Exception:
        log.exception("a live socket's hello failed")
        await _close(websocket, CloseCode.INTERNAL_ERROR, "internal error")
        return
    live = LiveSocket(websocket, principal, hello, idle_timeout, Outbox(outbox_limit))
    sender = asyncio.create_task(_send_loop(live), name="live-socket-sender")
    try:
        await handler(live)
    except SocketRefused as refused:
        live.close(refused.code, refused.reason)
    except Exception:
        log.exception("a live socket's handler failed")
        live.close(CloseCode.INTERNAL_ERROR, "internal error")
    finally:
        if live.closing is None:
            live.close(CloseCode.NORMAL, "bye")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sender, 1.0)
        sender.cancel()
        with contextlib.suppress(BaseException):
            await sender
        code, reason = live.closing or (CloseCode.NORMAL, "bye")
        await _close(websocket, code, reason)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state != WebSocketState.DISCONNECTED:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(code=code, reason=reason[:120])
