"""A project's live socket: presence (coalesced, at most every 50 ms), `left` when a device
closes or goes silent, and a `version` message on every save so open clients pull the patch.
Fan-out goes through the realtime broker, so devices on different API processes see each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from fastapi import Request, WebSocket
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.db import Claims, Database, begin_as_caller
from backbeat.edge import state_of
from backbeat.errors import AppError
from backbeat.identity.auth import resolve_claims
from backbeat.live_sockets import CloseCode, LiveSocket, Message, SocketRefused, encode
from backbeat.realtime import Broker
from backbeat.studio.service import presence, project_json
from backbeat.studio.service.presence import DeviceState

PRESENCE_EVERY = 0.05
"""At most one presence message per device per 50 ms; newer state replaces unsent state."""
STORE_EVERY = 5.0
"""Presence rows are refreshed at most this often (GET …/presence reads them)."""


def channel(project_id: uuid.UUID) -> str:
    """The broker channel of a project's live messages."""
    return f"studio:project:{project_id}"


@dataclass(frozen=True)
class Device:
    """An authenticated device on a project."""

    claims: Claims
    user_id: uuid.UUID
    project_id: uuid.UUID
    device_id: str
    role: str


@asynccontextmanager
async def user_scope(database: Database, claims: Claims) -> AsyncIterator[AsyncSession]:
    """One short transaction as the device's user (its session is checked each time)."""
    async with database.api_sessions() as session, session.begin():
        await begin_as_caller(session, claims)
        yield session


async def claims_for_token(websocket: WebSocket, token: str) -> Claims:
    """Identity's own bearer resolution, for a token that came in the hello message."""
    if not token or not token.isascii() or len(token) > 4096:
        raise SocketRefused(CloseCode.UNAUTHENTICATED, "invalid token")
    scope = {
        "type": "http",
        "app": websocket.app,
        "method": "GET",
        "path": websocket.url.path,
        "query_string": b"",
        "client": websocket.client,
        "headers": [(b"authorization", f"Bearer {token}".encode())],
    }
    try:
        claims = await resolve_claims(Request(scope))
    except AppError:
        raise SocketRefused(CloseCode.UNAUTHENTICATED, "invalid or expired token") from None
    if claims.sub is None:
        raise SocketRefused(CloseCode.UNAUTHENTICATED, "sign in first")
    return claims


def refusal(error: Exception) -> Exception:
    """A revoked or expired session (SQLSTATE 28000) closes with 4401; anything else is raised."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    if getattr(cause, "sqlstate", None) == "28000":
        return SocketRefused(
            CloseCode.UNAUTHENTICATED, "the session has been revoked or has expired"
        )
    return error


def authenticator(project_id: uuid.UUID) -> Any:
    """The hello check of one project's socket: a valid token of a member."""

    async def authenticate(websocket: WebSocket, hello: Message) -> Device:
        claims = await claims_for_token(websocket, str(hello["token"]))
        device_id = str(hello.get("device_id") or "default")[:200]
        user_id = uuid.UUID(str(claims.sub))
        database = state_of(websocket.app).require_database()
        try:
            async with user_scope(database, claims) as session:
                role = await presence.join(session, project_id, user_id, device_id)
        except AppError:
            raise SocketRefused(CloseCode.FORBIDDEN, "not a member of this project") from None
        except (DBAPIError, psycopg.Error) as error:
            raise refusal(error) from None
        return Device(claims, user_id, project_id, device_id, role)

    return authenticate


def state_message(device: Device, state: DeviceState) -> Message:
    return {
        "type": "presence",
        "user_id": str(device.user_id),
        "device_id": device.device_id,
        "cursor": state.cursor,
        "view_state": state.view_state,
        "active_tool": state.active_tool,
    }


def parse_state(message: Message) -> DeviceState:
    """A client's presence message, keeping only well-formed fields."""
    cursor = message.get("cursor")
    view = message.get("view_state")
    tool = message.get("active_tool")
    return DeviceState(
        cursor=float(cursor)
        if isinstance(cursor, int | float) and not isinstance(cursor, bool)
        else None,
        view_state=view if isinstance(view, dict) and len(json.dumps(view)) <= 16_384 else None,
        active_tool=tool[:100] if isinstance(tool, str) else None,
    )


class LiveProject:
    """One device's session on a project's socket."""

    def __init__(
        self, live: LiveSocket[Device], broker: Broker, database: Database, timeout: int
    ) -> None:
        self.live, self.broker, self.database, self.timeout = live, broker, database, timeout
        self.device = live.principal
        self.state = DeviceState()
        self.last_sent = 0.0
        self.last_stored = time.monotonic()
        self.pending: asyncio.Task[None] | None = None
        self.dirty = False

    async def run(self) -> None:
        async with self.broker.subscribe(channel(self.device.project_id)) as subscription:
            self.live.send({"type": "welcome", "presence": await self.present()})
            await self.publish(state_message(self.device, self.state))
            relay = asyncio.create_task(self.relay(subscription))
            try:
                async for message in self.live.messages():
                    await self.on_message(message)
            finally:
                relay.cancel()
                if self.pending is not None:
                    self.pending.cancel()
                await self.leave()

    async def present(self) -> list[Any]:
        rows = await self.database.reader.fetch(
            self.device.claims,
            project_json.PRESENCE_READ,
            {"id": self.device.project_id, "timeout": self.timeout},
        )
        return list(json.loads(rows[0][0])["items"]) if rows else []

    async def relay(self, subscription: Any) -> None:
        """Broker messages to this socket; presence coalesced per device, its own echo skipped."""
        me = (str(self.device.user_id), self.device.device_id)
        async for text in subscription:
            message = json.loads(text)
            who = (message.get("user_id"), message.get("device_id"))
            if message.get("type") == "presence":
                if who != me:
                    self.live.send_text(text, coalesce=f"presence:{who[0]}:{who[1]}")
            elif who != me or message.get("type") == "version":
                self.live.send_text(text)

    async def on_message(self, message: Message) -> None:
        if message["type"] == "presence":
            self.state = parse_state(message)
            self.schedule_presence()
        if time.monotonic() - self.last_stored >= STORE_EVERY:
            await self.store()

    def schedule_presence(self) -> None:
        """Publish now, or once 50 ms since the last one are up; the newest state wins."""
        self.dirty = True
        if self.pending is None or self.pending.done():
            self.pending = asyncio.create_task(self._publish_while_dirty())

    async def _publish_while_dirty(self) -> None:
        while self.dirty:
            await asyncio.sleep(max(0.0, self.last_sent + PRESENCE_EVERY - time.monotonic()))
            self.dirty = False
            self.last_sent = time.monotonic()
            await self.publish(state_message(self.device, self.state))

    async def store(self) -> None:
        self.last_stored = time.monotonic()
        try:
            async with user_scope(self.database, self.device.claims) as session:
                await presence.save_state(
                    session,
                    self.device.project_id,
                    self.device.user_id,
                    self.device.device_id,
                    self.state,
                )
        except AppError as refused:
            raise SocketRefused(CloseCode.FORBIDDEN, refused.detail) from None
        except (DBAPIError, psycopg.Error) as error:
            raise refusal(error) from None

    async def publish(self, message: Message) -> None:
        await self.broker.publish(channel(self.device.project_id), encode(message))

    async def leave(self) -> None:
        # a revoked session cannot delete its row; it then ages out of GET …/presence by itself
        with contextlib.suppress(SQLAlchemyError):
            async with user_scope(self.database, self.device.claims) as session:
                await presence.leave(
                    session, self.device.project_id, self.device.user_id, self.device.device_id
                )
        left = {
            "type": "left",
            "user_id": str(self.device.user_id),
            "device_id": self.device.device_id,
        }
        await self.publish(left)


async def announce_version(
    broker: Broker, project_id: uuid.UUID, version: int, author: uuid.UUID, merged: bool
) -> None:
    """After a save commits: tell every open socket of the project to pull the new version."""
    message = {"type": "version", "version": version, "author": str(author), "merged": merged}
    await broker.publish(channel(project_id), encode(message))


def handler(database: Database, broker: Broker, timeout: int) -> Any:
    """The socket handler of a project's live session."""

    async def run(live: LiveSocket[Device]) -> None:
        await LiveProject(live, broker, database, timeout).run()

    return run
