"""The edge of the ListenBrainz-compatible API: `Authorization: Token <PAT>`, ListenBrainz's
rate limits and X-RateLimit-* headers, and its `{"code": …, "error": …}` error bodies.

The `/1/` routes use ListenBrainzRoute: before the route runs it resolves the token through
identity's personal-access-token lookup and counts the request (one owner transaction), so the
route's DbSession and DbRead act as the token's user; every answer carries the headers and
every failure is rendered the way ListenBrainz renders it. The rest of the API is untouched.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from backbeat.config import Settings
from backbeat.db import ANONYMOUS
from backbeat.edge import app_state, request_scope
from backbeat.errors import AppError
from backbeat.identity.auth import IDENTITY, Caller, caller_of
from backbeat.identity.opaque_tokens import PERSONAL_ACCESS_PREFIX
from backbeat.identity.service import tokens as pats
from backbeat.identity.service.ratelimits import Limit, Usage
from backbeat.listening.listenbrainz import ListenBrainzRefusal

WRITE_SCOPE = "listens:write"
READ_SCOPES = frozenset({WRITE_SCOPE, "read", "admin"})
OVER_LIMIT = (
    "You have exceeded your rate limit. See the X-RateLimit-* response headers for more "
    "information on your current rate limit."
)
EXPOSED = "X-RateLimit-Remaining,X-RateLimit-Limit,X-RateLimit-Reset,X-RateLimit-Reset-In"
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def lb_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """ListenBrainz's error body."""
    body = json.dumps({"code": status, "error": message})
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def rate_headers(usage: Usage, now: float) -> dict[str, str]:
    """The headers ListenBrainz (brainzutils) adds to every rate-limited view."""
    return {
        "Access-Control-Expose-Headers": EXPOSED,
        "X-RateLimit-Remaining": str(usage.remaining),
        "X-RateLimit-Limit": str(usage.limit.requests),
        "X-RateLimit-Reset": str(int(now) + usage.reset_seconds),
        "X-RateLimit-Reset-In": str(usage.reset_seconds),
    }


@dataclass(frozen=True)
class Admission:
    """Who the token is (if anyone) and how the caller's rate-limit window stands."""

    caller: Caller | None
    usage: Usage


def token_of(request: Request) -> str | None:
    """ListenBrainz takes the word after the scheme: `Token <t>` (or `Bearer <t>`)."""
    header = request.headers.get("authorization")
    if not header:
        return None
    parts = header.split(" ")
    if len(parts) < 2 or not parts[1]:
        raise ListenBrainzRefusal("Provided Authorization header is invalid.", 401)
    return parts[1]


def limit_for(settings: Settings, *, per_token: bool) -> Limit:
    requests = (
        settings.listenbrainz_rate_limit_per_token
        if per_token
        else (settings.listenbrainz_rate_limit_per_ip)
    )
    return Limit(requests, settings.listenbrainz_rate_limit_window_seconds)


async def admit(request: Request) -> Admission:
    """Resolve the token and count the request, in one owner transaction."""
    state = app_state(request)
    token = token_of(request)
    database = state.require_database()
    async with database.owner_sessions() as session, session.begin():
        owner = (
            await pats.owner_of(session, token)
            if token and token.startswith(PERSONAL_ACCESS_PREFIX)
            else None
        )
        if owner is not None and token is not None:
            key = "lb:token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
        else:
            key = f"lb:ip:{request.client.host if request.client else 'unknown'}"
        limit = limit_for(state.settings, per_token=owner is not None)
        usage = await state.component(IDENTITY).limiter.hit(session, key, limit)
    if owner is None:
        return Admission(None, usage)
    return Admission(Caller.of_personal_token(owner), usage)


def become(request: Request, caller: Caller | None) -> None:
    """The route's DbSession and DbRead act as the token's user (anonymous without one)."""
    scope = request_scope(request)
    if caller is not None and READ_SCOPES & set(caller.scopes):
        scope.caller = caller
        scope.claims = caller.claims()
    else:
        scope.claims = ANONYMOUS


def message_of(exc: Exception) -> tuple[int, str]:
    """Our errors in ListenBrainz's words where it has them."""
    if isinstance(exc, ListenBrainzRefusal):
        return exc.status, exc.message
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return 400, f"Invalid {where}: {first.get('msg', 'invalid value')}"
    if isinstance(exc, AppError):
        return exc.status_code, exc.detail
    assert isinstance(exc, HTTPException)
    return exc.status_code, str(exc.detail)


class ListenBrainzRoute(APIRoute):
    """A `/1/` route: ListenBrainz's authentication, rate limits and error bodies."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def listenbrainz_handler(request: Request) -> Response:
            now = time.time()
            try:
                admission = await admit(request)
            except ListenBrainzRefusal as exc:
                return lb_error(exc.status, exc.message)
            headers = rate_headers(admission.usage, now)
            if admission.usage.exceeded:
                return lb_error(429, OVER_LIMIT, headers)
            become(request, admission.caller)
            try:
                response = await handler(request)
            except (ListenBrainzRefusal, AppError, RequestValidationError, HTTPException) as exc:
                response = lb_error(*message_of(exc))
            response.headers.update(headers)
            return response

        return listenbrainz_handler


async def token_writer(request: Request) -> Caller:
    """The token's user, allowed to submit and delete listens (`listens:write`)."""
    if not request.headers.get("authorization"):
        raise ListenBrainzRefusal("You need to provide an Authorization header.", 401)
    caller = caller_of(request)
    if caller is None:
        raise ListenBrainzRefusal("Invalid authorization token.", 401)
    if not {WRITE_SCOPE, "admin"} & set(caller.scopes):
        raise ListenBrainzRefusal("Insufficient scope.", 401)
    return caller


async def token_reader(request: Request) -> Caller:
    """The token's user for reads (a listener's listens are private to them)."""
    if not request.headers.get("authorization"):
        raise ListenBrainzRefusal("You need to provide an Authorization header.", 401)
    caller = caller_of(request)
    if caller is None:
        raise ListenBrainzRefusal("Invalid authorization token.", 401)
    return caller


TokenWriter = Annotated[Caller, Depends(token_writer)]
TokenReader = Annotated[Caller, Depends(token_reader)]
