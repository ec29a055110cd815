"""Plugin presets and Mixx Recall over HTTP (the learning job run in the test's transaction)."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.studio.service import recall
from tests.studio.factories import User, new_project, new_user

HALF_LIFE = timedelta(days=30)


async def preset(client: httpx.AsyncClient, user: User, **fields: object) -> dict[str, object]:
    body = {
        "name": "Warm Drive",
        "plugin_type": "MixxDrive",
        "parameters": {"drive": 0.4},
        **fields,
    }
    response = await client.post("/v1/plugin-presets", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()
    return data


class TestPresets:
    async def test_search_by_type_tag_and_text_in_pages(self, client: httpx.AsyncClient) -> None:
        user = await new_user(client)
        for n in range(3):
            await preset(client, user, name=f"Vocal chain {n}", tags=["Vocals"])
        await preset(client, user, name="Bass tune", plugin_type="MixxTune")
        first = await client.get(
            "/v1/plugin-presets",
            params={
                "plugin_type": "MixxDrive",
                "tag": "vocals",
                "q": "chain",
                "mine": True,
                "limit": 2,
            },
            headers=user.headers,
        )
        assert first.status_code == 200, first.text
        assert [p["name"] for p in first.json()["items"]] == ["Vocal chain 0", "Vocal chain 1"]
        rest = await client.get(
            "/v1/plugin-presets",
            params={"plugin_type": "MixxDrive", "mine": True, "cursor": first.json()["next"]},
            headers=user.headers,
        )
        assert [p["name"] for p in rest.json()["items"]] == ["Vocal chain 2"]

    async def test_private_presets_stay_private_public_ones_are_used(
        self, client: httpx.AsyncClient
    ) -> None:
        owner, other = await new_user(client), await new_user(client)
        private = await preset(client, owner)
        public = await preset(client, owner, is_public=True, name="Shared")
        assert (
            await client.get(f"/v1/plugin-presets/{private['id']}", headers=other.headers)
        ).status_code == 404
        assert (await client.get(f"/v1/plugin-presets/{public['id']}")).status_code == 200
        used = await client.post(f"/v1/plugin-presets/{public['id']}/use", headers=other.headers)
        assert used.json()["usage_count"] == 1
        assert (
            await client.post(f"/v1/plugin-presets/{private['id']}/use", headers=other.headers)
        ).status_code == 404
        patched = await client.patch(
            f"/v1/plugin-presets/{public['id']}", json={"name": "x"}, headers=other.headers
        )
        assert patched.status_code == 404

    async def test_owner_edits_and_deletes(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        made = await preset(client, owner)
        patched = await client.patch(
            f"/v1/plugin-presets/{made['id']}",
            json={"parameters": {"drive": 0.9}},
            headers=owner.headers,
        )
        assert patched.json()["parameters"] == {"drive": 0.9}
        assert (
            await client.delete(f"/v1/plugin-presets/{made['id']}", headers=owner.headers)
        ).status_code == 204
        assert (
            await client.get(f"/v1/plugin-presets/{made['id']}", headers=owner.headers)
        ).status_code == 404

    async def test_oversized_parameters_are_refused(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        body = {"name": "Huge", "plugin_type": "MixxDrive", "parameters": {"x": "y" * 70_000}}
        assert (
            await client.post("/v1/plugin-presets", json=body, headers=owner.headers)
        ).status_code == 413


async def learn(session: AsyncSession, user: User) -> None:
    await recall.learn_for_user(session, user.id, HALF_LIFE)
    await session.execute(text("reset role"))


class TestRecall:
    async def test_learns_from_saves_and_preset_use_with_evidence(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await new_user(client)
        for n in range(3):
            await new_project(client, user, name=f"Trap {n}", bpm=140, genre="trap")
        await new_project(client, user, name="Slow", bpm=90)
        drive = await preset(client, user, is_public=True)
        await client.post(f"/v1/plugin-presets/{drive['id']}/use", headers=user.headers)
        await learn(session, user)
        items = (await client.get("/v1/me/recall", headers=user.headers)).json()["items"]
        tempo = [i for i in items if i["category"] == "tempo"]
        assert [t["value"] for t in tempo] == [140, 90]
        assert len(tempo[0]["evidence"]) == 3 and tempo[0]["evidence"][0].startswith("project:")
        assert [i["value"]["plugin_type"] for i in items if i["category"] == "plugin"] == [
            "MixxDrive"
        ]

    async def test_a_project_from_recall_takes_the_top_suggestions(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await new_user(client)
        for _ in range(2):
            await new_project(client, user, bpm=174, key="Fm", genre="dnb", sample_rate=48000)
        await learn(session, user)
        made = await new_project(client, user, name="Fresh", from_recall=True)
        assert (made["bpm"], made["key"], made["genre"], made["sample_rate"]) == (
            174,
            "Fm",
            "dnb",
            48000,
        )

    async def test_forgotten_is_gone_and_not_relearned_from_the_same_evidence(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await new_user(client)
        await new_project(client, user, genre="polka")
        await learn(session, user)
        (genre,) = [
            i
            for i in (await client.get("/v1/me/recall", headers=user.headers)).json()["items"]
            if i["category"] == "genre"
        ]
        assert (
            await client.delete(f"/v1/me/recall/{genre['id']}", headers=user.headers)
        ).status_code == 204
        await learn(session, user)
        items = (await client.get("/v1/me/recall", headers=user.headers)).json()["items"]
        assert all(i["category"] != "genre" for i in items)

    async def test_pinning_keeps_it_at_full_confidence(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await new_user(client)
        await new_project(client, user, bpm=100)
        await new_project(client, user, bpm=120)
        await learn(session, user)
        tempo = [
            i
            for i in (await client.get("/v1/me/recall", headers=user.headers)).json()["items"]
            if i["category"] == "tempo"
        ]
        pinned = await client.post(f"/v1/me/recall/{tempo[1]['id']}/pin", headers=user.headers)
        assert pinned.status_code == 200, pinned.text
        assert pinned.json()["pinned"] is True and pinned.json()["confidence"] == 1.0
        other = await new_user(client)
        assert (
            await client.post(f"/v1/me/recall/{tempo[0]['id']}/pin", headers=other.headers)
        ).status_code == 404
