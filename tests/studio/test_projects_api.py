"""Projects over HTTP: create, read with its ETag, list, delete."""

from __future__ import annotations

import httpx

from tests.studio.factories import new_project, new_user, session_document


class TestCreate:
    async def test_version_one_with_its_etag(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        response = await client.post(
            "/v1/projects",
            json={
                "name": "Demo",
                "document": session_document(),
                "bpm": "140.5",
                "key": "c# minor",
            },
            headers=owner.headers,
        )
        assert response.status_code == 201, response.text
        assert response.headers["ETag"] == '"1"'
        body = response.json()
        assert (body["version"], body["role"], body["bpm"], body["key"]) == (
            1,
            "owner",
            140.5,
            "C#m",
        )

    async def test_defaults_come_from_the_account(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        prefs = {"default_bpm": 92, "default_key": "F#m", "preferred_genres": ["lofi"]}
        assert (await client.patch("/v1/me", json=prefs, headers=owner.headers)).status_code == 200
        body = await new_project(client, owner)
        assert (body["bpm"], body["key"], body["genre"]) == (92, "F#m", "lofi")

    async def test_an_oversized_document_is_refused(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        huge = {"blob": "x" * (8 * 1024 * 1024)}
        response = await client.post(
            "/v1/projects", json={"name": "Big", "document": huge}, headers=owner.headers
        )
        assert response.status_code == 413
        assert response.json()["code"] == "document_too_large"

    async def test_anonymous_callers_are_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/projects", json={"name": "x", "document": {}})
        assert response.status_code == 401


class TestRead:
    async def test_get_returns_document_and_etag(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        response = await client.get(f"/v1/projects/{project['id']}", headers=owner.headers)
        assert response.status_code == 200
        assert response.headers["ETag"] == '"1"'
        assert response.json()["document"] == session_document()

    async def test_a_stranger_gets_404(self, client: httpx.AsyncClient) -> None:
        owner, stranger = await new_user(client), await new_user(client)
        project = await new_project(client, owner)
        response = await client.get(f"/v1/projects/{project['id']}", headers=stranger.headers)
        assert response.status_code == 404


class TestList:
    async def test_mine_filtered_and_paged(self, client: httpx.AsyncClient) -> None:
        owner, other = await new_user(client), await new_user(client)
        for n in range(3):
            await new_project(client, owner, name=f"Beat {n}", genre="trap", tags=["Dark"])
        await new_project(client, owner, name="Ballad", genre="soul")
        await new_project(client, other, name="Not mine", genre="trap")
        first = await client.get(
            "/v1/projects", params={"genre": "trap", "limit": 2}, headers=owner.headers
        )
        assert first.status_code == 200, first.text
        page = first.json()
        assert len(page["items"]) == 2 and page["next"]
        second = await client.get(
            "/v1/projects",
            params={"genre": "trap", "limit": 2, "cursor": page["next"]},
            headers=owner.headers,
        )
        seen = [p["name"] for p in page["items"] + second.json()["items"]]
        assert sorted(seen) == ["Beat 0", "Beat 1", "Beat 2"]
        by_tag = await client.get(
            "/v1/projects", params={"tag": "dark", "q": "beat 1"}, headers=owner.headers
        )
        assert [p["name"] for p in by_tag.json()["items"]] == ["Beat 1"]


class TestDelete:
    async def test_owner_deletes_and_it_is_gone(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        deleted = await client.delete(f"/v1/projects/{project['id']}", headers=owner.headers)
        assert deleted.status_code == 204
        assert (
            await client.get(f"/v1/projects/{project['id']}", headers=owner.headers)
        ).status_code == 404
