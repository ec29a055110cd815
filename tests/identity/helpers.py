"""Small factories for identity API tests: sign up, sign in, read the outbox."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import EmailOutbox

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}_{next(_counter)}"


async def signup(
    client: httpx.AsyncClient, *, password: str = PASSWORD, **fields: Any
) -> dict[str, Any]:
    """Create an account over HTTP and return the token response."""
    name = fields.pop("username", None) or unique_name()
    body = {
        "email": fields.pop("email", f"{name}@example.com"),
        "password": password,
        "username": name,
        "display_name": fields.pop("display_name", name.title()),
        **fields,
    }
    response = await client.post("/v1/auth/signup", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: Any
) -> httpx.Response:
    body = {"grant_type": "password", "email": email, "password": password, **extra}
    return await client.post("/v1/auth/token", json=body)


async def last_email(session: AsyncSession, to: str) -> EmailOutbox:
    query = (
        select(EmailOutbox)
        .where(EmailOutbox.to_address == to)
        .order_by(EmailOutbox.id.desc())
        .limit(1)
    )
    row = await session.scalar(query)
    assert row is not None, f"no email to {to}"
    return row


def token_in(body: str) -> str:
    """The `Token: …` line of an email body."""
    for line in body.splitlines():
        if line.startswith("Token: "):
            return line.removeprefix("Token: ").strip()
    raise AssertionError("no token in email")
