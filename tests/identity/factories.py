"""Factories shared by identity tests: sign up, sign in, read the outbox, sign wallet messages."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import EmailOutbox
from backbeat.identity.siwe import build_siwe_message

PASSWORD = "correct horse battery staple"
ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
"""The `client_with` fixture: `async with client_with(**settings) as client`."""
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


NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DOMAIN = "backbeat.example"
NONCE = "n0nce4Backbeat"
VITALIK = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
# A key used only to make real signatures in tests.
ETH_ACCOUNT = Account.from_key(
    "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
)


def siwe_message(
    address: str = ETH_ACCOUNT.address,
    *,
    domain: str = DOMAIN,
    nonce: str = NONCE,
    issued_at: datetime = NOW,
    chain_id: int = 1,
    statement: str | None = "Sign in to Backbeat.",
) -> str:
    """A SIWE message as the challenge endpoint builds it, valid for ten minutes from NOW."""
    return build_siwe_message(
        address,
        domain=domain,
        uri=f"https://{DOMAIN}/sign-in",
        nonce=nonce,
        issued_at=issued_at,
        expiration_time=NOW + timedelta(minutes=10),
        chain_id=chain_id,
        statement=statement,
    )


def eth_sign(message: str, account: LocalAccount = ETH_ACCOUNT) -> str:
    """personal_sign, as an Ethereum wallet does it."""
    return account.sign_message(encode_defunct(text=message)).signature.hex()
