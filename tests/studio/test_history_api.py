"""History over HTTP: versions, any version's document, diffs, restore, `since`."""

from __future__ import annotations

from typing import Any

import httpx

from tests.studio.factories import User, new_project, new_user, patch, session_document


async def saved_versions(
    client: httpx.AsyncClient, user: User, count: int
) -> tuple[str, list[Any]]:
    """A project with `count` saves after version 1, each setting /step; documents by version."""
    project = await new_project(client, user)
    documents: list[Any] = [None, session_document()]
    for n in range(2, count + 2):
        response = await patch(
            client, user, project["id"], n - 1, [{"op": "add", "path": "/step", "value": n}]
        )
        assert response.status_code == 200, response.text
        documents.append({**documents[-1], "step": n})
    return project["id"], documents


class TestVersions:
    async def test_list_newest_first_with_sizes_and_authors(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        pid, _ = await saved_versions(client, owner, 3)
        response = await client.get(
            f"/v1/projects/{pid}/versions", params={"limit": 2}, headers=owner.headers
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["head"] == 4 and page["next"] == 3
        assert [v["version"] for v in page["items"]] == [4, 3]
        assert page["items"][0]["author_username"] == owner.username
        assert page["items"][0]["patch_size"] > 0 and page["items"][0]["size"] > 0
        rest = await client.get(
            f"/v1/projects/{pid}/versions", params={"before": 3}, headers=owner.headers
        )
        assert [v["version"] for v in rest.json()["items"]] == [2, 1]

    async def test_since_gives_every_later_patch_in_order(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        pid, _ = await saved_versions(client, owner, 4)
        response = await client.get(
            f"/v1/projects/{pid}/versions", params={"since": 2}, headers=owner.headers
        )
        items = response.json()["items"]
        assert [v["version"] for v in items] == [3, 4, 5]
        assert items[0]["patch"] == [{"op": "add", "path": "/step", "value": 3}]

    async def test_every_version_rebuilds_across_checkpoints(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        app.state.backbeat.settings.studio_checkpoint_every = 3
        owner = await new_user(client)
        pid, documents = await saved_versions(client, owner, 7)
        for n in range(1, 9):
            got = await client.get(f"/v1/projects/{pid}/versions/{n}", headers=owner.headers)
            assert got.status_code == 200
            assert got.json()["document"] == documents[n], n
        listed = (await client.get(f"/v1/projects/{pid}/versions", headers=owner.headers)).json()
        assert [v["version"] for v in listed["items"] if v["checkpoint"]] == [6, 3, 1]

    async def test_missing_version_is_404(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        assert (
            await client.get(f"/v1/projects/{project['id']}/versions/9", headers=owner.headers)
        ).status_code == 404


class TestDiffAndRestore:
    async def test_diff_between_two_versions(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        pid, _ = await saved_versions(client, owner, 2)
        response = await client.get(
            f"/v1/projects/{pid}/diff", params={"from": 1, "to": 3}, headers=owner.headers
        )
        assert response.json() == {
            "from": 1,
            "to": 3,
            "patch": [{"op": "add", "path": "/step", "value": 3}],
        }

    async def test_restore_is_a_new_head_equal_to_the_old_version(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        pid, documents = await saved_versions(client, owner, 3)
        restored = await client.post(
            f"/v1/projects/{pid}/restore", json={"version": 2}, headers=owner.headers
        )
        assert restored.status_code == 200, restored.text
        assert restored.json()["version"] == 5
        diff = await client.get(
            f"/v1/projects/{pid}/diff", params={"from": 2, "to": 5}, headers=owner.headers
        )
        assert diff.json()["patch"] == []
        head = (await client.get(f"/v1/projects/{pid}", headers=owner.headers)).json()
        assert head["document"] == documents[2] and head["version"] == 5
        listed = (await client.get(f"/v1/projects/{pid}/versions", headers=owner.headers)).json()
        assert listed["items"][0]["restored_from"] == 2 and len(listed["items"]) == 5
