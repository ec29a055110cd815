"""Saves over HTTP: PUT with If-Match (428/412), PATCH with a base (direct, merged, 409, 422)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.studio.factories import add_member, new_project, new_user, patch, session_document


class TestPut:
    async def test_needs_if_match(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        response = await client.put(
            f"/v1/projects/{project['id']}", json={"document": {}}, headers=owner.headers
        )
        assert response.status_code == 428

    async def test_saves_on_the_head_and_moves_the_etag(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        document = {**session_document(), "bpm_automation": [1, 2]}
        response = await client.put(
            f"/v1/projects/{project['id']}",
            json={"document": document, "name": "Renamed", "bpm": 128},
            headers={**owner.headers, "If-Match": '"1"'},
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"id": project["id"], "version": 2, "merged": False}
        assert response.headers["ETag"] == '"2"'
        got = (await client.get(f"/v1/projects/{project['id']}", headers=owner.headers)).json()
        assert (got["document"], got["name"], got["bpm"]) == (document, "Renamed", 128)

    async def test_stale_if_match_gets_412_with_the_patch_to_the_head(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        changed = {**session_document(), "title": "v2"}
        url, match1 = f"/v1/projects/{project['id']}", {**owner.headers, "If-Match": '"1"'}
        assert (
            await client.put(url, json={"document": changed}, headers=match1)
        ).status_code == 200
        stale = await client.put(url, json={"document": {}}, headers=match1)
        assert stale.status_code == 412
        body = stale.json()
        assert body["current_version"] == 2
        assert body["patch"] == [{"op": "add", "path": "/title", "value": "v2"}]
        assert stale.headers["ETag"] == '"2"'


class TestPatch:
    async def test_on_the_head_applies_directly(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        ops = [{"op": "replace", "path": "/tracks/0/volume", "value": 0.5}]
        response = await patch(client, owner, project["id"], 1, ops)
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 2 and response.json()["merged"] is False

    async def test_non_overlapping_edits_are_merged(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        pid = project["id"]
        first = [{"op": "add", "path": "/tracks/0", "value": {"id": "keys", "name": "Keys"}}]
        assert (await patch(client, owner, pid, 1, first)).status_code == 200
        # made against version 1: index 1 was the bass then; it is the bass again by id
        second = [{"op": "replace", "path": "/tracks/1/volume", "value": 0.2}]
        merged = await patch(client, owner, pid, 1, second)
        assert merged.status_code == 200, merged.text
        assert merged.json() == {"id": pid, "version": 3, "merged": True}
        document = (await client.get(f"/v1/projects/{pid}", headers=owner.headers)).json()[
            "document"
        ]
        assert [t["id"] for t in document["tracks"]] == ["keys", "drums", "bass"]
        assert document["tracks"][2]["volume"] == 0.2

    async def test_overlapping_edits_get_409_with_both_values(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        pid = project["id"]
        ours = [{"op": "replace", "path": "/mixer/master/volume", "value": 0.9}]
        assert (await patch(client, owner, pid, 1, ours)).status_code == 200
        theirs = [{"op": "replace", "path": "/mixer/master", "value": {"volume": 0.1}}]
        refused = await patch(client, owner, pid, 1, theirs)
        assert refused.status_code == 409
        assert refused.json()["conflicts"] == [
            {"path": "/mixer/master/volume", "ours": 0.9, "theirs": 0.1}
        ]

    async def test_a_failed_test_operation_is_a_conflict(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        ops = [
            {"op": "test", "path": "/tracks/0/name", "value": "Percussion"},
            {"op": "replace", "path": "/tracks/0/name", "value": "Perc"},
        ]
        refused = await patch(client, owner, project["id"], 1, ops)
        assert refused.status_code == 409
        assert refused.json()["conflicts"][0]["ours"] == "Drums"

    async def test_a_test_of_a_path_edited_since_the_base_conflicts(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        pid = project["id"]
        rename = [{"op": "replace", "path": "/tracks/0/name", "value": "Kit"}]
        assert (await patch(client, owner, pid, 1, rename)).status_code == 200
        guarded: list[dict[str, Any]] = [
            {"op": "test", "path": "/tracks/0/name", "value": "Drums"},
            {"op": "replace", "path": "/markers", "value": [0]},
        ]
        assert (await patch(client, owner, pid, 1, guarded)).status_code == 409

    async def test_an_operation_that_does_not_apply_is_422_naming_it(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        ops: list[dict[str, Any]] = [
            {"op": "replace", "path": "/mixer/master/volume", "value": 0.3},
            {"op": "remove", "path": "/nothing/here"},
        ]
        refused = await patch(client, owner, project["id"], 1, ops)
        assert refused.status_code == 422
        assert refused.json()["operation_index"] == 1

    async def test_a_base_beyond_the_head_is_422(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        ops = [{"op": "add", "path": "/x", "value": 1}]
        assert (await patch(client, owner, project["id"], 7, ops)).status_code == 422


class TestWhoMaySave:
    async def test_a_viewer_cannot_save_an_editor_can(self, client: httpx.AsyncClient) -> None:
        owner, viewer, editor = [await new_user(client) for _ in range(3)]
        project = await new_project(client, owner)
        await add_member(client, owner, project["id"], viewer, "viewer")
        await add_member(client, owner, project["id"], editor, "editor")
        ops = [{"op": "add", "path": "/x", "value": 1}]
        assert (await patch(client, viewer, project["id"], 1, ops)).status_code == 403
        assert (
            await client.get(f"/v1/projects/{project['id']}", headers=viewer.headers)
        ).status_code == 200
        assert (await patch(client, editor, project["id"], 1, ops)).status_code == 200

    async def test_a_stranger_gets_404(self, client: httpx.AsyncClient) -> None:
        owner, stranger = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        ops = [{"op": "add", "path": "/x", "value": 1}]
        assert (await patch(client, stranger, project["id"], 1, ops)).status_code == 404
