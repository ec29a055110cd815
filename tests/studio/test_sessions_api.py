"""Collaboration sessions: one at a time, participants from the live socket, their versions."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.studio.service import presence
from tests.rls import acting_as
from tests.studio.factories import add_member, new_project, new_user, patch


class TestSessions:
    async def test_start_save_end_and_list(self, client: httpx.AsyncClient) -> None:
        owner, editor = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        pid = project["id"]
        await add_member(client, owner, pid, editor, "editor")
        started = await client.post(
            f"/v1/projects/{pid}/sessions", json={"name": "Vocals day"}, headers=editor.headers
        )
        assert started.status_code == 201, started.text
        body = started.json()
        assert [(p["user_id"], p["role"]) for p in body["participants"]] == [
            (str(editor.id), "editor")
        ]
        again = await client.post(f"/v1/projects/{pid}/sessions", json={}, headers=owner.headers)
        assert again.status_code == 409
        await patch(client, editor, pid, 1, [{"op": "add", "path": "/take", "value": 3}])
        ended = await client.post(
            f"/v1/projects/{pid}/sessions/{body['id']}/end",
            json={"notes": "two keepers"},
            headers=owner.headers,
        )
        assert ended.status_code == 200, ended.text
        done = ended.json()
        assert done["ended_at"] is not None and done["notes"] == "two keepers"
        assert 2 in done["versions"] and done["participants"][0]["left_at"] is not None
        listed = await client.get(f"/v1/projects/{pid}/sessions", headers=editor.headers)
        assert [s["id"] for s in listed.json()["items"]] == [body["id"]]
        twice = await client.post(
            f"/v1/projects/{pid}/sessions/{body['id']}/end", json={}, headers=owner.headers
        )
        assert twice.status_code == 409

    async def test_a_viewer_cannot_start_one_a_stranger_cannot_list(
        self, client: httpx.AsyncClient
    ) -> None:
        owner, viewer, stranger = [await new_user(client) for _ in range(3)]
        project = await new_project(client, owner)
        await add_member(client, owner, project["id"], viewer, "viewer")
        url = f"/v1/projects/{project['id']}/sessions"
        assert (await client.post(url, json={}, headers=viewer.headers)).status_code == 403
        assert (await client.get(url, headers=stranger.headers)).status_code == 404

    async def test_opening_the_live_socket_joins_the_running_session(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        owner, viewer = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        await add_member(client, owner, project["id"], viewer, "viewer")
        started = await client.post(
            f"/v1/projects/{project['id']}/sessions", json={}, headers=owner.headers
        )
        pid = uuid.UUID(project["id"])
        async with acting_as(session, viewer.id):
            await presence.join(session, pid, viewer.id, "tablet")
        listed = (await client.get(f"/v1/projects/{pid}/sessions", headers=owner.headers)).json()
        people = {p["user_id"]: p for p in listed["items"][0]["participants"]}
        assert (
            people[str(viewer.id)]["role"] == "viewer" and people[str(viewer.id)]["left_at"] is None
        )
        async with acting_as(session, viewer.id):
            await presence.leave(session, pid, viewer.id, "tablet")
        listed = (await client.get(f"/v1/projects/{pid}/sessions", headers=owner.headers)).json()
        people = {p["user_id"]: p for p in listed["items"][0]["participants"]}
        assert people[str(viewer.id)]["left_at"] is not None
        assert started.json()["id"] == listed["items"][0]["id"]
