"""Media API fixtures: the app with storage in a temp dir, users, and real generated files."""

from __future__ import annotations

import io
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import pytest_asyncio
import soundfile as sf  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backbeat.app import create_app
from backbeat.db import ANONYMOUS, Claims, Database
from backbeat.edge import state_of
from backbeat.identity.models import User
from backbeat.media.models import MediaObject
from backbeat.media.router import STORAGE
from backbeat.media.storage import LocalStorage
from tests.conftest import rollback_client, rollback_database, settings_for_tests

TEST_USER_HEADER = "x-test-user"


async def header_claims(request: Request) -> Claims:
    """Test-only resolver: the caller is whoever X-Test-User names."""
    user = request.headers.get(TEST_USER_HEADER)
    return Claims(sub=user) if user else ANONYMOUS


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


async def make_user(session: AsyncSession, name: str = "artist") -> uuid.UUID:
    user = User(id=uuid.uuid4(), username=f"{name}_{uuid.uuid4().hex[:8]}")
    session.add(user)
    await session.flush()
    return user.id


@pytest_asyncio.fixture(loop_scope="session")
async def alice(session: AsyncSession) -> uuid.UUID:
    return await make_user(session, "alice")


@pytest_asyncio.fixture(loop_scope="session")
async def bob(session: AsyncSession) -> uuid.UUID:
    return await make_user(session, "bob")


def as_user(user: uuid.UUID | None) -> dict[str, str]:
    return {TEST_USER_HEADER: str(user)} if user else {}


# real files ------------------------------------------------------------------------------------

RATE = 44_100


def wav_bytes(seconds: float = 1.0, *, freq: float = 440.0, subtype: str = "PCM_16") -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    tone = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([tone, tone], axis=1), RATE, format="WAV", subtype=subtype)
    return buffer.getvalue()


def mp3_bytes(seconds: float = 1.0) -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([tone, tone], axis=1), RATE, format="MP3")
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


# assertions about what is left behind ----------------------------------------------------------


async def object_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(MediaObject)) or 0)


def leftovers(storage: LocalStorage) -> list[str]:
    """Every stored blob and staged file: empty after a refused upload."""
    staged = [p.name for p in storage.staging.iterdir()]
    return storage.stored_keys() + staged


# an S3-compatible server on this machine ---------------------------------------------------------


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


def s3_settings(endpoint: str, **overrides: object) -> dict[str, object]:
    """Settings for the S3 backend against the test server, in a fresh bucket."""
    import boto3  # type: ignore[import-untyped]

    bucket = f"media-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)
    return {
        "storage_backend": "s3",
        "s3_endpoint_url": endpoint,
        "s3_bucket": bucket,
        "s3_access_key_id": "test",
        "s3_secret_access_key": "test",
        **overrides,
    }
