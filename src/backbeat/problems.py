"""The one renderer that turns every failure into an RFC 9457 problem+json response."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backbeat.edge import request_scope
from backbeat.errors import AppError, snake_case

PROBLEM_MEDIA_TYPE = "application/problem+json"
INSUFFICIENT_PRIVILEGE = "42501"
DEAD_SESSION = "28000"  # raised by auth.require_live_session
BEARER = {"WWW-Authenticate": 'Bearer realm="backbeat"'}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """An RFC 9457 problem document."""
    body: dict[str, Any] = {
        "type": f"urn:backbeat:problem:{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem(
        exc.status_code,
        exc.code(),
        exc.detail,
        title=exc.title,
        headers=exc.headers,
        **exc.extra,
    )


HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, snake_case(HTTPStatus(exc.status_code).name.title()))
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No route matches {request.method} {request.url.path}"
    return problem(exc.status_code, code, detail, headers=dict(exc.headers or {}))


def _safe_error(error: Any) -> dict[str, Any]:
    """One validation error without the input value (it may hold a password)."""
    return {"loc": list(error.get("loc", ())), "msg": error.get("msg"), "type": error.get("type")}


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_safe_error(e) for e in exc.errors()]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    detail = f"{where}: {first['msg']}" if where else str(first["msg"])
    return problem(422, "validation_error", detail, errors=errors)


def internal_error() -> JSONResponse:
    """What a client sees of a bug: a 500 without internals."""
    return problem(500, "internal_error", "An unexpected error occurred; it has been logged.")


async def _database_refusal(request: Request, exc: Exception) -> JSONResponse:
    """The database refused the caller: a dead session is a 401, a privilege error is 401 for
    anonymous callers and 403 for others (services check first; this is the second wall).
    Any other database error is a bug: re-raised, so the request middleware logs it as a 500."""
    sqlstate = getattr(exc.orig if isinstance(exc, DBAPIError) else exc, "sqlstate", None)
    if sqlstate == DEAD_SESSION:
        detail = "The session has been revoked or has expired."
        return problem(401, "invalid_token", detail, title="Unauthorized", headers=BEARER)
    if sqlstate != INSUFFICIENT_PRIVILEGE:
        raise exc
    claims = request_scope(request).claims
    if claims is None or claims.sub is None:
        detail = "Sign in first: send `Authorization: Bearer <token>`."
        return problem(401, "unauthorized", detail, headers=BEARER)
    return problem(403, "forbidden", "You may not read or change this.")


def install_error_handlers(app: FastAPI) -> None:
    """Expected failures leave as problem+json; the request middleware catches the rest."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(DBAPIError, _database_refusal)
    app.add_exception_handler(psycopg.Error, _database_refusal)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
