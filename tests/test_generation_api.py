"""Generation over HTTP: queue, run the job, read, list, follow live; a generated track is a
real audio file, analysed, private, with provenance and a generated_from edge."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backbeat.catalog.models import LineageEdge, Track
from backbeat.db import Database
from backbeat.media.models import MediaObject
from backbeat.taste.creations_models import Generation
from backbeat.taste.generation_tasks import plan_for, render
from backbeat.taste.generators_procedural import PROCEDURAL
from backbeat.taste.service.embeddings import vector_text
from tests.catalog.factories import User, new_user
from tests.conftest import rollback_client
from tests.generation_support import (
    analyse_track,
    context_of,
    generate,
    generated_track,
    generation_app,
    run_job,
)
from tests.rls import make_track


@pytest_asyncio.fixture(loop_scope="session")
async def gen_app(
    database: Database, connection: AsyncConnection, tmp_path: Path
) -> AsyncIterator[FastAPI]:
    async with generation_app(
        database, connection, tmp_path / "data", generation_source_share_ppm=50_000
    ) as app:
        yield app


@pytest_asyncio.fixture(loop_scope="session")
async def api(gen_app: FastAPI, connection: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    async with rollback_client(gen_app, connection) as http:
        yield http


@pytest_asyncio.fixture(loop_scope="session")
async def alice(api: httpx.AsyncClient) -> User:
    return await new_user(api, "alice")


@pytest_asyncio.fixture(loop_scope="session")
async def bob(api: httpx.AsyncClient, alice: User) -> User:
    return await new_user(api, "bob")


async def source_track(session: AsyncSession, owner: uuid.UUID, **fields: object) -> uuid.UUID:
    track = await make_track(session, owner, "public")
    values = {"bpm": 124.0, "key": "Am", **fields}
    await session.execute(
        text("update catalog_tracks set bpm = :bpm, key = :key where id = :t"),
        {"t": track, **values},
    )
    return track


class TestCreate:
    async def test_accepted_and_queued_with_a_job(
        self, api: httpx.AsyncClient, alice: User, session: AsyncSession
    ) -> None:
        accepted = await generate(api, alice, mode="new", duration_seconds=5)
        assert accepted["status"] == "queued"
        jobs = await session.scalar(
            text("select count(*) from procrastinate_jobs where args->>'generation_id' = :g"),
            {"g": accepted["id"]},
        )
        assert jobs == 1

    @pytest.mark.parametrize(
        "body",
        [
            {"mode": "similar"},
            {"mode": "extend", "source": {"external_id": "spotify:track:1"}},
            {"mode": "new", "duration_seconds": 121},
            {"mode": "new", "source": {"track_id": str(uuid.uuid4()), "external_id": "x"}},
            {"mode": "new", "generator": "nobody"},
            {"mode": "dance"},
        ],
    )
    async def test_refused(
        self, api: httpx.AsyncClient, alice: User, body: dict[str, object]
    ) -> None:
        response = await api.post("/v1/generations", json=body, headers=alice.headers)
        assert response.status_code == 422, response.text

    async def test_a_source_you_cannot_see_is_404(
        self, api: httpx.AsyncClient, alice: User, bob: User, session: AsyncSession
    ) -> None:
        hidden = await make_track(session, bob.id, "private")
        body = {"mode": "similar", "source": {"track_id": str(hidden)}}
        response = await api.post("/v1/generations", json=body, headers=alice.headers)
        assert response.status_code == 404

    async def test_extending_needs_a_license_for_derivatives(
        self, api: httpx.AsyncClient, alice: User, bob: User, session: AsyncSession
    ) -> None:
        track = await source_track(session, bob.id)
        await session.execute(
            text("update catalog_tracks set license_derivatives = false where id = :t"),
            {"t": track},
        )
        body = {"mode": "extend", "source": {"track_id": str(track)}}
        response = await api.post("/v1/generations", json=body, headers=alice.headers)
        assert response.status_code == 403

    async def test_signed_out_is_401(self, api: httpx.AsyncClient) -> None:
        assert (await api.post("/v1/generations", json={"mode": "new"})).status_code == 401


class TestGeneratedTrack:
    async def test_real_audio_analysed_with_provenance_and_lineage(
        self,
        api: httpx.AsyncClient,
        gen_app: FastAPI,
        alice: User,
        bob: User,
        session: AsyncSession,
        tmp_path: Path,
    ) -> None:
        source = await source_track(session, bob.id, bpm=124.0, key="Am")
        found = await generated_track(
            gen_app, api, alice, mode="extend", source={"track_id": str(source)},
            duration_seconds=8, prompt="warm and hazy", seed=42,
        )  # fmt: skip
        assert found["status"] == "completed"
        provenance = found["provenance"]
        assert provenance["generator"] == "backbeat-procedural"
        assert provenance["seed"] == 42
        assert provenance["source_tracks"] == [str(source)]
        assert provenance["parameters"]["shape"] == {"bpm": 124.0, "key": "Am", "energy": 0.6}
        assert len(provenance["prompt_sha256"]) == 64
        assert "warm and hazy" not in json.dumps(found)
        track = await session.get_one(Track, uuid.UUID(found["track_id"]))
        assert (track.visibility, track.created_by) == ("private", alice.id)
        assert found["explanation"].startswith("Extends ")
        assert found["match"] == 100
        edge = await session.get_one(LineageEdge, (track.id, source))
        assert (edge.kind, edge.share_ppm) == ("generated_from", 50_000)
        audio = await analyse_track(gen_app, session, found["track_id"])
        assert audio.format == "wav" and audio.duration_seconds == pytest.approx(8, abs=0.01)
        assert audio.bpm == pytest.approx(124, rel=0.02)
        assert audio.key == "A minor"
        await session.refresh(track)
        assert track.bpm == pytest.approx(124, rel=0.02) and track.key == "Am"
        stored = await session.get_one(MediaObject, track.audio_object_id)
        assert stored.bucket == "project-audio" and stored.path.startswith(f"{alice.id}/")

    async def test_the_same_seed_makes_the_same_bytes(
        self, api: httpx.AsyncClient, gen_app: FastAPI, alice: User, session: AsyncSession
    ) -> None:
        shas = []
        for _ in range(2):
            found = await generated_track(gen_app, api, alice, duration_seconds=3, seed=7)
            track = await session.get_one(Track, uuid.UUID(found["track_id"]))
            stored = await session.get_one(MediaObject, track.audio_object_id)
            shas.append(stored.sha256)
        assert shas[0] == shas[1]

    async def test_new_is_shaped_by_what_you_like(
        self,
        api: httpx.AsyncClient,
        gen_app: FastAPI,
        alice: User,
        bob: User,
        session: AsyncSession,
    ) -> None:
        liked = await source_track(session, bob.id, bpm=90.0, key="F#m")
        assert (
            await api.put(f"/v1/me/library/tracks/{liked}", headers=alice.headers)
        ).status_code == 204
        found = await generated_track(gen_app, api, alice, mode="new", duration_seconds=3, seed=3)
        shape = found["provenance"]["parameters"]["shape"]
        assert shape["key"] == "F#m" and 82 < shape["bpm"] < 98
        assert found["provenance"]["influences"][0]["track_id"] == str(liked)
        assert found["provenance"]["source_tracks"] == []
        assert found["explanation"].startswith("Because you like ")
        assert 0 <= found["match"] <= 100

    async def test_the_match_is_with_your_taste_vector_when_you_have_one(
        self, api: httpx.AsyncClient, gen_app: FastAPI, alice: User, session: AsyncSession
    ) -> None:
        generation = Generation(mode="new", seed=5, duration_seconds=3.0, user_id=alice.id)
        plan = plan_for(generation, [])
        _, made = render(context_of(gen_app).storage, PROCEDURAL, plan.recipe)
        await session.execute(
            text(
                "insert into taste_user_vectors (user_id, model_id, dimension, vector, weight, "
                "reference_at) select :u, id, dimension, cast(:v as vector), 1, now() "
                "from taste_embedding_models where name = 'backbeat-audio-v1'"
            ),
            {"u": alice.id, "v": vector_text(made)},
        )
        found = await generated_track(gen_app, api, alice, mode="new", duration_seconds=3, seed=5)
        assert found["match"] == 100
        assert found["provenance"]["parameters"] == plan.recipe.parameters()

    async def test_a_generator_error_fails_it_and_gives_the_day_back(
        self,
        api: httpx.AsyncClient,
        gen_app: FastAPI,
        alice: User,
        session: AsyncSession,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from backbeat.taste.generators_procedural import ProceduralGenerator

        def broken(self: ProceduralGenerator, recipe: object) -> object:
            raise RuntimeError("out of ideas")

        monkeypatch.setattr(ProceduralGenerator, "render", broken)
        accepted = await generate(api, alice, duration_seconds=3)
        assert await run_job(gen_app, accepted["id"]) == "failed"
        found = (await api.get(f"/v1/generations/{accepted['id']}", headers=alice.headers)).json()
        assert (found["status"], found["track_id"]) == ("failed", None)
        assert "RuntimeError" in found["error"]
        quota = (await api.get("/v1/me/quota", headers=alice.headers)).json()
        assert quota["used"] == 0

    async def test_a_finished_job_is_not_run_twice(
        self, api: httpx.AsyncClient, gen_app: FastAPI, alice: User, session: AsyncSession
    ) -> None:
        found = await generated_track(gen_app, api, alice, duration_seconds=2)
        assert await run_job(gen_app, found["id"]) == "completed"
        tracks = await session.scalar(
            select(Generation.track_id).where(Generation.id == uuid.UUID(found["id"]))
        )
        assert str(tracks) == found["track_id"]


class TestRead:
    async def test_others_generations_are_404(
        self, api: httpx.AsyncClient, alice: User, bob: User
    ) -> None:
        accepted = await generate(api, alice, duration_seconds=2)
        for suffix in ("", "/events"):
            url = f"/v1/generations/{accepted['id']}{suffix}"
            assert (await api.get(url, headers=bob.headers)).status_code == 404

    async def test_list_is_newest_first_and_paged(
        self, api: httpx.AsyncClient, alice: User, bob: User
    ) -> None:
        made = [(await generate(api, alice, duration_seconds=2))["id"] for _ in range(3)]
        await generate(api, bob, duration_seconds=2)
        first = (await api.get("/v1/generations?limit=2", headers=alice.headers)).json()
        assert [g["id"] for g in first["items"]] == made[::-1][:2]
        url = f"/v1/generations?limit=2&cursor={first['next_cursor']}"
        second = (await api.get(url, headers=alice.headers)).json()
        assert [g["id"] for g in second["items"]] == [made[0]]
        assert second["next_cursor"] is None

    async def test_a_bad_cursor_is_422(self, api: httpx.AsyncClient, alice: User) -> None:
        response = await api.get("/v1/generations?cursor=nope", headers=alice.headers)
        assert response.status_code == 422


class TestEvents:
    async def test_statuses_arrive_live_in_order(
        self, api: httpx.AsyncClient, gen_app: FastAPI, alice: User
    ) -> None:
        accepted = await generate(api, alice, duration_seconds=2)
        transport = httpx.ASGITransport(app=gen_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as sse:
            url = f"/v1/generations/{accepted['id']}/events"
            listening = asyncio.create_task(sse.get(url, headers=alice.headers))
            await asyncio.sleep(0.5)  # let the stream subscribe
            assert await run_job(gen_app, accepted["id"]) == "completed"
            events = await asyncio.wait_for(listening, 10)
        assert events.headers["content-type"].startswith("text/event-stream")
        payloads = [
            json.loads(line[6:]) for line in events.text.splitlines() if line.startswith("data: ")
        ]
        assert [p["status"] for p in payloads] == ["queued", "generating", "completed"]
        assert payloads[-1]["track_id"] is not None

    async def test_a_finished_generation_streams_its_final_status(
        self, api: httpx.AsyncClient, gen_app: FastAPI, alice: User, tmp_path: Path
    ) -> None:
        found = await generated_track(gen_app, api, alice, duration_seconds=2)
        events = await api.get(f"/v1/generations/{found['id']}/events", headers=alice.headers)
        lines = [line for line in events.text.splitlines() if line.startswith("data: ")]
        assert [json.loads(line[6:])["status"] for line in lines] == ["completed"]
