"""Presence on a project's live socket, with the API on two servers sharing one database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from backbeat.app import create_app
from backbeat.embedded import DatabaseUrls
from tests.conftest import clone_database, drop_database, settings_for_tests
from tests.servers import REDIS_URL, serving

TIMEOUT_SECONDS = 3


@pytest.fixture(scope="module", params=["postgres", "redis"])
def broker(request: pytest.FixtureRequest) -> str:
    """Each live test runs over both realtime brokers: LISTEN/NOTIFY, and Redis pub/sub."""
    return str(request.param)


@pytest.fixture(scope="module")
def live_urls(server_uri: str, template_uri: str, broker: str) -> Iterator[DatabaseUrls]:
    name = f"backbeat_studio_live_{broker}"
    yield clone_database(server_uri, name)
    drop_database(server_uri, name)


@pytest.fixture(scope="module")
def servers(
    live_urls: DatabaseUrls, broker: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[str]]:
    """Two API servers (each its own loop, pools and realtime broker) on one database."""
    with contextlib.ExitStack() as stack:
        addresses = []
        for n in range(2):
            settings = settings_for_tests(
                database_url=live_urls.owner,
                api_database_url=live_urls.api,
                data_dir=Path(tmp_path_factory.mktemp(f"live-{n}")),
                rate_limit_ip_per_minute=100_000,
                studio_presence_timeout_seconds=TIMEOUT_SECONDS,
                redis_url=REDIS_URL if broker == "redis" else None,
            )
            addresses.append(stack.enter_context(serving(create_app(settings))))
        yield addresses


async def signup(http: httpx.AsyncClient, name: str) -> tuple[str, str]:
    body = {"email": f"{name}@example.com", "username": name, "password": "live-Passw0rd-long!"}
    response = await http.post("/v1/auth/signup", json=body)
    assert response.status_code == 201, response.text
    token = response.json()["access_token"]
    me = await http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    return token, me.json()["id"]


async def shared_project(address: str, prefix: str) -> dict[str, Any]:
    """An owner and an editor of one project, and a stranger."""
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=30) as http:
        (owner, owner_id), (editor, editor_id), (stranger, _) = [
            await signup(http, f"{prefix}_{role}") for role in ("owner", "editor", "stranger")
        ]
        auth = {"Authorization": f"Bearer {owner}"}
        project = await http.post(
            "/v1/projects", json={"name": "Live", "document": {"a": 1}}, headers=auth
        )
        pid = project.json()["id"]
        invite = await http.post(
            f"/v1/projects/{pid}/members",
            json={"username": f"{prefix}_editor", "role": "editor"},
            headers=auth,
        )
        accept = await http.post(
            f"/v1/project-invitations/{invite.json()['id']}/accept",
            headers={"Authorization": f"Bearer {editor}"},
        )
        assert accept.status_code == 200, accept.text
    return {
        "pid": pid,
        "owner": owner,
        "owner_id": owner_id,
        "editor": editor,
        "editor_id": editor_id,
        "stranger": stranger,
    }


async def receive(socket: ClientConnection, kind: str, timeout: float = 5) -> dict[str, Any]:
    """The next message of a kind (others, such as heartbeat replies, are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
        if message["type"] == kind:
            return dict(message)


async def join(address: str, pid: str, token: str, device: str) -> ClientConnection:
    socket = await connect(f"ws://{address}/v1/projects/{pid}/live")
    await socket.send(json.dumps({"type": "hello", "token": token, "device_id": device}))
    return socket


async def test_presence_versions_and_leaving_across_two_servers(servers: list[str]) -> None:
    world = await shared_project(servers[0], "two")
    pid = world["pid"]
    owner = await join(servers[0], pid, world["owner"], "laptop")
    assert (await receive(owner, "welcome"))["presence"][0]["device_id"] == "laptop"
    editor = await join(servers[1], pid, world["editor"], "studio-mac")
    welcome = await receive(editor, "welcome")
    assert {p["device_id"] for p in welcome["presence"]} == {"laptop", "studio-mac"}
    joined = await receive(owner, "presence")
    assert (joined["user_id"], joined["device_id"]) == (world["editor_id"], "studio-mac")

    for cursor in (1.0, 2.0, 3.5):
        await editor.send(
            json.dumps({"type": "presence", "cursor": cursor, "active_tool": "pencil"})
        )
    seen = await receive(owner, "presence")
    while seen["cursor"] != 3.5:  # coalesced: intermediate cursors may be dropped, never reordered
        assert seen["cursor"] in (1.0, 2.0)
        seen = await receive(owner, "presence")
    assert seen["active_tool"] == "pencil"

    async with httpx.AsyncClient(base_url=f"http://{servers[0]}", timeout=30) as http:
        listed = await http.get(
            f"/v1/projects/{pid}/presence", headers={"Authorization": f"Bearer {world['owner']}"}
        )
        assert sorted(p["device_id"] for p in listed.json()["items"]) == ["laptop", "studio-mac"]
        saved = await http.patch(
            f"/v1/projects/{pid}",
            params={"base": 1},
            json=[{"op": "replace", "path": "/a", "value": 2}],
            headers={
                "Authorization": f"Bearer {world['owner']}",
                "Content-Type": "application/json-patch+json",
            },
        )
        assert saved.status_code == 200
    version = await receive(editor, "version")
    assert (version["version"], version["author"]) == (2, world["owner_id"])

    await editor.close()
    left = await receive(owner, "left")
    assert (left["user_id"], left["device_id"]) == (world["editor_id"], "studio-mac")
    await owner.close()


async def test_strangers_and_bad_tokens_are_refused(servers: list[str]) -> None:
    world = await shared_project(servers[1], "refused")
    for token, code in ((world["stranger"], 4403), ("not-a-token", 4401)):
        socket = await join(servers[1], world["pid"], token, "x")
        with pytest.raises(ConnectionClosed) as closed:
            await receive(socket, "welcome")
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code


async def test_a_silent_device_leaves(servers: list[str]) -> None:
    world = await shared_project(servers[0], "silent")
    owner = await join(servers[0], world["pid"], world["owner"], "laptop")
    await receive(owner, "welcome")
    editor = await join(servers[1], world["pid"], world["editor"], "tablet")
    await receive(editor, "welcome")
    for _ in range(3):  # the owner keeps talking; the editor says nothing
        await asyncio.sleep(TIMEOUT_SECONDS / 2)
        await owner.send(json.dumps({"type": "heartbeat"}))
    left = await receive(owner, "left", timeout=TIMEOUT_SECONDS * 2)
    assert left["device_id"] == "tablet"
    with pytest.raises(ConnectionClosed) as closed:
        await receive(editor, "never")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
    await owner.close()


async def test_a_revoked_session_is_refused_with_4401(servers: list[str]) -> None:
    world = await shared_project(servers[0], "revoked")
    async with httpx.AsyncClient(base_url=f"http://{servers[0]}", timeout=30) as http:
        out = await http.post(
            "/v1/auth/logout", headers={"Authorization": f"Bearer {world['editor']}"}
        )
        assert out.status_code in (200, 204), out.text
    socket = await join(servers[0], world["pid"], world["editor"], "x")
    with pytest.raises(ConnectionClosed) as closed:
        await receive(socket, "welcome")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
