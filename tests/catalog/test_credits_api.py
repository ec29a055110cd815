"""Credits: shown on the track, replaced by the owner only, audited, users checked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import httpx

from tests.catalog.factories import new_track, new_user


async def put_credits(
    client: httpx.AsyncClient, track: str, headers: dict[str, str], credits: Sequence[object]
) -> httpx.Response:
    return await client.put(
        f"/v1/tracks/{track}/credits", json={"credits": credits}, headers=headers
    )


class TestCreditsOnTheTrack:
    async def test_credits_from_create_are_shown_in_order(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        credits = [
            {"name": "Session Bassist", "role": "performer"},
            {"name": "Alice", "role": "engineer", "user_id": str(alice.id)},
        ]
        created = await new_track(client, alice, credits=credits)
        expected = [credits[0] | {"user_id": None}, credits[1]]
        assert created["credits"] == expected
        fetched = (await client.get(f"/v1/tracks/{created['id']}")).json()
        assert fetched["credits"] == expected

    async def test_a_track_without_credits_shows_an_empty_list(
        self, client: httpx.AsyncClient
    ) -> None:
        track = await new_track(client, await new_user(client))
        assert track["credits"] == []

    async def test_crediting_an_unknown_user_is_422(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        body = {
            "title": "X",
            "artist": "Y",
            "sample_type": "beats",
            "credits": [{"name": "Ghost", "role": "performer", "user_id": str(uuid.uuid4())}],
        }
        response = await client.post("/v1/tracks", json=body, headers=alice.headers)
        assert response.status_code == 422
        assert "to credit" in response.json()["detail"]


class TestReplaceCredits:
    async def test_replaces_the_list_and_audits_before_and_after(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice, credits=[{"name": "Old", "role": "arranger"}])
        new = [{"name": "Drummer", "role": "performer"}, {"name": "Mixer", "role": "engineer"}]
        response = await put_credits(client, track["id"], alice.headers, new)
        assert response.status_code == 200
        assert [c["name"] for c in response.json()["credits"]] == ["Drummer", "Mixer"]
        shown = (await client.get(f"/v1/tracks/{track['id']}")).json()["credits"]
        assert [(c["name"], c["role"]) for c in shown] == [
            ("Drummer", "performer"),
            ("Mixer", "engineer"),
        ]
        history = (await client.get(f"/v1/tracks/{track['id']}/history")).json()
        change = history[-1]
        assert change["action"] == "credits.update" and change["actor_id"] == str(alice.id)
        assert [c["name"] for c in change["before"]["credits"]] == ["Old"]
        assert [c["name"] for c in change["after"]["credits"]] == ["Drummer", "Mixer"]

    async def test_an_empty_list_clears_and_the_same_list_is_not_audited_again(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice, credits=[{"name": "Old", "role": "other"}])
        for _ in range(2):
            response = await put_credits(client, track["id"], alice.headers, [])
            assert response.status_code == 200 and response.json() == {"credits": []}
        history = (await client.get(f"/v1/tracks/{track['id']}/history")).json()
        assert [h["action"] for h in history].count("credits.update") == 1

    async def test_only_the_owner_replaces_credits(self, client: httpx.AsyncClient) -> None:
        alice, bob = await new_user(client), await new_user(client)
        track = await new_track(client, alice)
        credit = [{"name": "Bob", "role": "performer"}]
        assert (await put_credits(client, track["id"], bob.headers, credit)).status_code == 403
        assert (await put_credits(client, track["id"], {}, credit)).status_code == 401
        shown = (await client.get(f"/v1/tracks/{track['id']}")).json()["credits"]
        assert shown == []

    async def test_bad_roles_unknown_users_and_unknown_tracks_are_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice)
        bad_role = [{"name": "X", "role": "roadie"}]
        assert (await put_credits(client, track["id"], alice.headers, bad_role)).status_code == 422
        ghost = [{"name": "X", "role": "other", "user_id": str(uuid.uuid4())}]
        assert (await put_credits(client, track["id"], alice.headers, ghost)).status_code == 422
        missing = await put_credits(client, str(uuid.uuid4()), alice.headers, [])
        assert missing.status_code == 404
