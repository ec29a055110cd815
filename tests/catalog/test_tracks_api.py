"""POST/GET/PATCH/DELETE /v1/tracks, history, and who sees what."""

from __future__ import annotations

import httpx

from tests.catalog.factories import new_track, new_user, wallet


class TestCreateTrack:
    async def test_creates_with_defaults_and_the_seed_names(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        track = await new_track(
            client,
            alice,
            sample_type="FULL BACKING TRACKS",
            key="a minor",
            isrc="us-rc1-76-07839",
            iswc="T-034.524.680-1",
            tags=["Lofi", "chill", "lofi"],
            contact_info={"email": "luna@example.com"},
        )
        assert track["sample_type"] == "full_backing_track"
        assert track["key"] == "Am"
        assert track["isrc"] == "USRC17607839"
        assert track["iswc"] == "T-034.524.680-1"
        assert track["tags"] == ["lofi", "chill"]
        assert track["license"] == {"derivatives": True, "commercial": False, "attribution": True}
        assert track["created_by"] == str(alice.id)
        assert track["contact_info"] == {"email": "luna@example.com"}
        assert track["visibility"] == "public"

    async def test_sheets_and_parents_in_one_call(self, client: httpx.AsyncClient) -> None:
        alice, bob = await new_user(client), await new_user(client)
        parent = await new_track(client, bob, title="Original")
        body = {
            "splits": {
                "composition": {
                    "entries": [
                        {"payee": alice.payee},
                        {"payee": bob.payee},
                        {"payee": wallet("c")},
                    ],
                    "split": "equal",
                },
                "production": {"entries": [{"payee": wallet("p"), "share": "100"}]},
            },
            "parents": [{"parent_id": parent["id"], "kind": "remix"}],
            "credits": [{"name": "Session Bassist", "role": "performer"}],
        }
        track = await new_track(client, alice, title="Remix", **body)
        sheets = (await client.get(f"/v1/tracks/{track['id']}/splits")).json()
        assert [e["share"] for e in sheets["composition"]["entries"]] == [
            "33.3334",
            "33.3333",
            "33.3333",
        ]
        assert sheets["production"]["entries"][0]["payee"] == f"stacks:1:{wallet('p')}"
        parents = (await client.get(f"/v1/tracks/{track['id']}/parents")).json()
        assert [(p["parent_id"], p["kind"], p["share"]) for p in parents] == [
            (parent["id"], "remix", "20")
        ]

    async def test_bad_iswc_check_digit_is_422(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        body = {"title": "X", "artist": "Y", "sample_type": "beats", "iswc": "T-034.524.680-2"}
        response = await client.post("/v1/tracks", json=body, headers=alice.headers)
        assert response.status_code == 422
        assert "check digit" in response.json()["detail"]

    async def test_unknown_sample_type_and_anonymous_are_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        body = {"title": "X", "artist": "Y", "sample_type": "kazoo"}
        assert (
            await client.post("/v1/tracks", json=body, headers=alice.headers)
        ).status_code == 422
        body["sample_type"] = "beats"
        assert (await client.post("/v1/tracks", json=body)).status_code == 401

    async def test_a_bad_sheet_rolls_the_whole_track_back(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        body = {
            "title": "Half",
            "artist": "Y",
            "sample_type": "beats",
            "splits": {"composition": {"entries": [{"payee": alice.payee, "share": "50"}]}},
        }
        response = await client.post("/v1/tracks", json=body, headers=alice.headers)
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_split"
        mine = await client.get("/v1/tracks", params={"creator": str(alice.id)})
        assert mine.json()["items"] == []


class TestVisibility:
    async def test_private_only_owner_unlisted_by_id_contact_owner_only(
        self, client: httpx.AsyncClient
    ) -> None:
        alice, bob = await new_user(client), await new_user(client)
        private = await new_track(client, alice, visibility="private")
        unlisted = await new_track(
            client, alice, title="Hidden", visibility="unlisted", contact_info={"tel": "1"}
        )
        assert (await client.get(f"/v1/tracks/{private['id']}")).status_code == 404
        assert (
            await client.get(f"/v1/tracks/{private['id']}", headers=bob.headers)
        ).status_code == 404
        assert (
            await client.get(f"/v1/tracks/{private['id']}", headers=alice.headers)
        ).status_code == 200
        seen = await client.get(f"/v1/tracks/{unlisted['id']}", headers=bob.headers)
        assert seen.status_code == 200 and seen.json()["contact_info"] is None
        own = await client.get(f"/v1/tracks/{unlisted['id']}", headers=alice.headers)
        assert own.json()["contact_info"] == {"tel": "1"}
        listed = await client.get("/v1/tracks", params={"creator": alice.username})
        assert listed.json()["items"] == []


class TestPatchAndDelete:
    async def test_patch_audits_rights_fields(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice)
        response = await client.patch(
            f"/v1/tracks/{track['id']}",
            json={"license": {"derivatives": False}, "description": "new", "bpm": 92},
            headers=alice.headers,
        )
        assert response.status_code == 200, response.text
        assert response.json()["license"]["derivatives"] is False
        assert response.json()["bpm"] == 92
        history = (await client.get(f"/v1/tracks/{track['id']}/history")).json()
        actions = [h["action"] for h in history]
        assert actions == [
            "track.create",
            "splits.composition",
            "splits.production",
            "track.update",
        ]
        assert history[-1]["before"] == {"license_derivatives": True}
        assert history[-1]["after"] == {"license_derivatives": False}
        assert history[-1]["actor_id"] == str(alice.id)

    async def test_only_the_owner_patches_or_deletes(self, client: httpx.AsyncClient) -> None:
        alice, bob = await new_user(client), await new_user(client)
        track = await new_track(client, alice)
        url = f"/v1/tracks/{track['id']}"
        assert (
            await client.patch(url, json={"title": "X"}, headers=bob.headers)
        ).status_code == 403
        assert (await client.delete(url, headers=bob.headers)).status_code == 403

    async def test_delete_is_soft(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice)
        url = f"/v1/tracks/{track['id']}"
        assert (await client.delete(url, headers=alice.headers)).status_code == 204
        assert (await client.get(url)).status_code == 404
        assert (await client.delete(url, headers=alice.headers)).status_code == 404
