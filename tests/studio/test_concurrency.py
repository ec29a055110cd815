"""Two devices saving the same project at once, on a database that really commits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from backbeat.app import create_app
from backbeat.db import Database
from tests.conftest import settings_for_tests
from tests.studio.factories import User, add_member, new_project, new_user, patch

ROUNDS = 8


@pytest_asyncio.fixture(loop_scope="session")
async def committed_client(committed_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings_for_tests(), database=committed_database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


async def two_editors(client: httpx.AsyncClient) -> tuple[User, User, str]:
    alice, bob = await new_user(client, "alice"), await new_user(client, "bob")
    document = {"tracks": [{"id": "a", "gain": 0}, {"id": "b", "gain": 0}], "notes": ""}
    project = await new_project(client, alice, document)
    await add_member(client, alice, project["id"], bob, "editor")
    return alice, bob, project["id"]


async def head(client: httpx.AsyncClient, user: User, pid: str) -> dict[str, object]:
    response = await client.get(f"/v1/projects/{pid}", headers=user.headers)
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def test_non_overlapping_concurrent_patches_both_survive(
    committed_client: httpx.AsyncClient,
) -> None:
    alice, bob, pid = await two_editors(committed_client)
    for n in range(1, ROUNDS + 1):
        base = int(str((await head(committed_client, alice, pid))["version"]))
        first, second = await asyncio.gather(
            patch(
                committed_client,
                alice,
                pid,
                base,
                [{"op": "replace", "path": "/tracks/0/gain", "value": n}],
            ),
            patch(
                committed_client,
                bob,
                pid,
                base,
                [{"op": "replace", "path": "/tracks/1/gain", "value": -n}],
            ),
        )
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        assert sorted([first.json()["merged"], second.json()["merged"]]) == [False, True]
        assert {first.json()["version"], second.json()["version"]} == {base + 1, base + 2}
        document = (await head(committed_client, alice, pid))["document"]
        assert document == {
            "tracks": [{"id": "a", "gain": n}, {"id": "b", "gain": -n}],
            "notes": "",
        }


async def test_overlapping_concurrent_patches_give_exactly_one_409_and_lose_nothing(
    committed_client: httpx.AsyncClient,
) -> None:
    alice, bob, pid = await two_editors(committed_client)
    for n in range(1, ROUNDS + 1):
        base = int(str((await head(committed_client, alice, pid))["version"]))
        edits = {"alice": f"alice {n}", "bob": f"bob {n}"}
        responses = await asyncio.gather(
            *(
                patch(
                    committed_client,
                    user,
                    pid,
                    base,
                    [{"op": "replace", "path": "/notes", "value": edits[name]}],
                )
                for name, user in (("alice", alice), ("bob", bob))
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        winner, loser = sorted(responses, key=lambda r: r.status_code)
        kept = (await head(committed_client, alice, pid))["document"]
        assert isinstance(kept, dict)
        (conflict,) = loser.json()["conflicts"]
        assert conflict["path"] == "/notes"
        assert conflict["ours"] == kept["notes"]  # the saved edit, shown to the loser
        assert {conflict["ours"], conflict["theirs"]} == set(edits.values())  # nothing lost
        assert (await head(committed_client, alice, pid))["version"] == base + 1
        assert winner.json()["version"] == base + 1


async def test_concurrent_puts_on_one_version_never_overwrite_silently(
    committed_client: httpx.AsyncClient,
) -> None:
    alice, bob, pid = await two_editors(committed_client)
    url = f"/v1/projects/{pid}"
    responses = await asyncio.gather(
        committed_client.put(
            url, json={"document": {"by": "alice"}}, headers={**alice.headers, "If-Match": '"1"'}
        ),
        committed_client.put(
            url, json={"document": {"by": "bob"}}, headers={**bob.headers, "If-Match": '"1"'}
        ),
    )
    assert sorted(r.status_code for r in responses) == [200, 412]
    loser = next(r for r in responses if r.status_code == 412)
    kept = (await head(committed_client, alice, pid))["document"]
    assert loser.json()["current_version"] == 2
    assert loser.json()["patch"] is not None and kept in ({"by": "alice"}, {"by": "bob"})
