"""Media API fixtures: the app with storage in a temp dir, users, and an S3-compatible server.

Helpers (real files, uploads, callers) live in factories.py.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backbeat.app import create_app
from backbeat.db import Database
from backbeat.edge import state_of
from backbeat.media.router import STORAGE
from backbeat.media.storage import LocalStorage
from tests.conftest import rollback_client, rollback_database, settings_for_tests
from tests.media.factories import header_claims, make_user


@pytest.fixture
def media_settings_overrides() -> dict[str, object]:
    """Per-test settings (override the fixture to change the quota)."""
    return {}


@pytest_asyncio.fixture(loop_scope="session")
async def media_app(
    database: Database,
    connection: AsyncConnection,
    tmp_path: Path,
    media_settings_overrides: dict[str, object],
) -> AsyncIterator[FastAPI]:
    settings = settings_for_tests(data_dir=tmp_path / "data", **media_settings_overrides)
    application = create_app(settings, database=rollback_database(database, connection))
    state_of(application).claims_resolver = header_claims
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def storage(media_app: FastAPI) -> LocalStorage:
    found = state_of(media_app).component(STORAGE)
    assert isinstance(found, LocalStorage)
    return found


@pytest_asyncio.fixture(loop_scope="session")
async def api(media_app: FastAPI, connection: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    async with rollback_client(media_app, connection) as http:
        yield http


@pytest_asyncio.fixture(loop_scope="session")
async def alice(session: AsyncSession) -> uuid.UUID:
    return await make_user(session, "alice")


@pytest_asyncio.fixture(loop_scope="session")
async def bob(session: AsyncSession) -> uuid.UUID:
    return await make_user(session, "bob")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server, speaking the S3 HTTP protocol on a free 127.0.0.1 port."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()
