"""Domain errors: what a client can act on, with its HTTP status (rendered by backbeat.problems)."""

from __future__ import annotations

import re
from typing import Any, ClassVar


def snake_case(name: str) -> str:
    """ClassName → class_name: the stable `code` clients switch on."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class AppError(Exception):
    """A failure a client can act on; subclasses set the HTTP status."""

    status_code: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    @classmethod
    def code(cls) -> str:
        """The machine-readable name of this error."""
        return snake_case(cls.__name__)


class BadRequest(AppError):
    """The request is well-formed JSON but asks for something impossible."""


class Unauthorized(AppError):
    """No valid credentials."""

    status_code = 401
    title = "Unauthorized"


class Forbidden(AppError):
    """Valid credentials, not allowed."""

    status_code = 403
    title = "Forbidden"


class NotFound(AppError):
    """The thing does not exist, or the caller may not know it does."""

    status_code = 404
    title = "Not found"


class Conflict(AppError):
    """The request conflicts with the current state."""

    status_code = 409
    title = "Conflict"


class PayloadTooLarge(AppError):
    """The body is over the configured limit."""

    status_code = 413
    title = "Payload too large"


class Unprocessable(AppError):
    """The payload is valid JSON but its content breaks a rule."""

    status_code = 422
    title = "Unprocessable content"


class TooManyRequests(AppError):
    """A rate limit was hit."""

    status_code = 429
    title = "Too many requests"
