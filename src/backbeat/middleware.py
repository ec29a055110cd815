"""ASGI middleware: request ids, metrics, last-resort errors, and the body size limit."""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backbeat.observability import Metrics, request_id_var
from backbeat.problems import internal_error, problem

log = logging.getLogger("backbeat.request")

REQUEST_ID_HEADER = b"x-request-id"
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def incoming_request_id(scope: Scope) -> str:
    """The client's X-Request-Id when it is safe to echo, else a fresh one."""
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            candidate = str(value.decode("latin-1"))
            if SAFE_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The matched route's path template, so metrics do not explode per id."""
    path = getattr(scope.get("route"), "path", None)
    return str(path) if path else "unmatched"


class RequestContextMiddleware:
    """Outermost layer: every response carries X-Request-Id, is counted, and no bug leaks."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        state = {"status": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not state["started"]:
                await internal_error()(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(
                scope["method"], route_template(scope), int(state["status"]), elapsed
            )
            request_id_var.reset(token)


class BodyTooLarge(HTTPException):
    """Raised from receive() once a streamed body passes the limit (FastAPI re-raises it)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than the limit of {max_bytes} bytes.")


class BodyLimitMiddleware:
    """Refuse bodies over the limit with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int, exempt_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefixes = exempt_prefixes

    def _declared_length(self, scope: Scope) -> int | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit():
                return int(value)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        declared = self._declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"The request body is larger than the limit of {self.max_bytes} bytes."
        await problem(413, "payload_too_large", detail)(scope, receive, send)


JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
"""A JSON NUL escape (backslash, u, 0000) whose backslash is not itself escaped."""
NUL_DETAIL = "Text may not contain the NUL character (U+0000): PostgreSQL cannot store it."
TEXT_BODY_TYPES = (b"application/json", b"application/x-www-form-urlencoded")


def has_text_body(scope: Scope) -> bool:
    """JSON (including `+json` types) and form bodies carry text fields; uploads carry bytes."""
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media_type = value.split(b";", 1)[0].strip().lower()
            return media_type in TEXT_BODY_TYPES or media_type.endswith(b"+json")
    return False


def nul_in_body(body: bytes, form: bool) -> bool:
    """Whether a text body would decode to a string holding NUL."""
    if form:
        return b"%00" in body or b"\x00" in body
    return JSON_NUL.search(body) is not None


class NulTextMiddleware:
    """Refuse NUL in the path, the query and every text field of a body: 422, once, for all."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await _refuse_nul(scope, receive, send)
            return
        if not has_text_body(scope):
            await self.app(scope, receive, send)
            return
        await self._checking_body(scope, receive, send)

    async def _checking_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the (size-limited) text body first, then replay it to the app if it is clean."""
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = b"".join(m.get("body", b"") for m in messages)
        form = b"x-www-form-urlencoded" in dict(scope.get("headers", [])).get(b"content-type", b"")
        if nul_in_body(body, form):
            await _refuse_nul(scope, receive, send)
            return
        replay = iter(messages)

        async def replaying_receive() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replaying_receive, send)


async def _refuse_nul(scope: Scope, receive: Receive, send: Send) -> None:
    await problem(422, "validation_error", NUL_DETAIL)(scope, receive, send)
