"""An app and client with chosen settings (small rate limits, Redis), rolled back like `client`."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from backbeat.app import create_app
from backbeat.db import Database
from tests.conftest import rollback_database, settings_for_tests
from tests.identity.factories import ClientFactory


@pytest.fixture
def client_with(database: Database, connection: AsyncConnection) -> ClientFactory:
    """`async with client_with(**settings) as client`: its own app, from a random client IP."""

    @asynccontextmanager
    async def make(**overrides: object) -> AsyncIterator[httpx.AsyncClient]:
        settings = settings_for_tests(**overrides)
        app = create_app(settings, database=rollback_database(database, connection))

        async def back_to_owner(response: httpx.Response) -> None:
            await connection.execute(
                text("reset role; select set_config('request.jwt.claims', '', true)")
            )

        ip = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 4000))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=transport,
                base_url="http://testserver",
                event_hooks={"response": [back_to_owner]},
            ) as http,
        ):
            yield http

    return make
