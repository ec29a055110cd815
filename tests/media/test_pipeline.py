"""The pipeline on a committed database: what each stage publishes, another connection can read."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.app import create_app
from backbeat.db import Database, session_scope
from backbeat.edge import state_of
from backbeat.media.models import Upload
from backbeat.media.storage import LocalStorage
from tests.conftest import settings_for_tests
from tests.media.factories import (
    header_claims,
    make_user,
    object_count,
    upload,
    wav_bytes,
)

Stage = tuple[str, int]


async def test_every_published_stage_is_already_stored(
    committed_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings_for_tests(data_dir=tmp_path), database=committed_database)
    state_of(app).claims_resolver = header_claims
    async with session_scope(committed_database) as session:
        owner = await make_user(session)
    seen: list[tuple[Stage, Stage]] = []

    async with app.router.lifespan_context(app):
        broker = state_of(app).require_broker()
        publish = broker.publish

        async def read_back_then_publish(channel: str, message: str) -> None:
            event = json.loads(message)
            async with session_scope(committed_database) as other:  # another connection
                stored = await other.get_one(Upload, uuid.UUID(event["id"]))
            seen.append(((event["state"], event["progress"]), (stored.state, stored.progress)))
            await publish(channel, message)

        monkeypatch.setattr(broker, "publish", read_back_then_publish)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            assert (await upload(api, owner, wav_bytes())).status_code == 201

    published = [event for event, _ in seen]
    assert published == [
        ("analysing", 0),
        ("compressing", 20),
        ("storing", 50),
        ("finalising", 80),
        ("complete", 100),
    ]
    assert [stored for _, stored in seen] == published


async def test_a_stem_of_no_parent_fails_the_upload_and_keeps_no_object_and_no_bytes(
    api: httpx.AsyncClient, alice: uuid.UUID, session: AsyncSession, storage: LocalStorage
) -> None:
    stem_of_nothing = json.dumps({"parent_file_id": str(uuid.uuid4()), "stem_type": "drums"})
    body = wav_bytes()
    response = await upload(api, alice, body, metadata=stem_of_nothing)
    assert response.status_code == 422 and response.json()["code"] == "invalid_parent"
    failed = await session.scalar(select(Upload).where(Upload.owner_id == alice))
    assert failed is not None
    assert (failed.state, failed.progress, failed.failure_code) == ("failed", 50, "invalid_parent")
    assert await object_count(session) == 0
    assert not await storage.exists(hashlib.sha256(body).hexdigest())  # no orphaned bytes
