"""PUT/GET /v1/tracks/{id}/splits: versions, the version in force, failures, consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from backbeat.edge import state_of
from tests.catalog.factories import new_track, new_user, wallet


def entries(*pairs: tuple[str, str]) -> dict[str, object]:
    return {"entries": [{"payee": p, "share": s} for p, s in pairs]}


class TestPutSheet:
    async def test_new_version_and_history(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice)
        url = f"/v1/tracks/{track['id']}/splits"
        body = entries((alice.payee, "60"), (wallet("w"), "40"))
        response = await client.put(f"{url}/composition", json=body, headers=alice.headers)
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 2 and response.json()["status"] == "active"
        history = (await client.get(url, params={"history": "true"})).json()
        assert [v["version"] for v in history["composition"]] == [1, 2]
        assert [v["version"] for v in history["production"]] == [1]

    @pytest.mark.parametrize(
        ("shares", "reason"),
        [
            (("50", "40"), "sum to 90 %"),
            (("50", "0"), "more than 0"),
            (("33.33333", "66.66667"), "validation_error"),
        ],
    )
    async def test_bad_shares_are_422(
        self, client: httpx.AsyncClient, shares: tuple[str, str], reason: str
    ) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice)
        body = entries((alice.payee, shares[0]), (wallet("x"), shares[1]))
        response = await client.put(
            f"/v1/tracks/{track['id']}/splits/composition", json=body, headers=alice.headers
        )
        assert response.status_code == 422
        assert reason in response.json()["detail"] or reason == response.json()["code"]

    async def test_duplicate_payee_even_spelled_differently(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice)
        w = wallet("same")
        body = entries((w, "50"), (f"stacks:1:{w.lower()}", "50"))
        response = await client.put(
            f"/v1/tracks/{track['id']}/splits/production", json=body, headers=alice.headers
        )
        assert response.status_code == 422
        assert "twice" in response.json()["detail"]

    async def test_not_the_owner(self, client: httpx.AsyncClient) -> None:
        alice, bob = await new_user(client), await new_user(client)
        track = await new_track(client, alice)
        response = await client.put(
            f"/v1/tracks/{track['id']}/splits/production",
            json=entries((bob.payee, "100")),
            headers=bob.headers,
        )
        assert response.status_code == 403

    async def test_equal_split_of_seven(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice)
        body = {"entries": [{"payee": wallet(str(i))} for i in range(7)], "split": "equal"}
        response = await client.put(
            f"/v1/tracks/{track['id']}/splits/composition", json=body, headers=alice.headers
        )
        shares = [e["share"] for e in response.json()["entries"]]
        assert shares == [
            "14.2858",
            "14.2857",
            "14.2857",
            "14.2857",
            "14.2857",
            "14.2857",
            "14.2857",
        ]


class TestVersionInForce:
    async def test_future_version_is_not_in_force_until_its_time(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice)
        url = f"/v1/tracks/{track['id']}/splits"
        later = datetime.now(UTC) + timedelta(days=30)
        body = {**entries((wallet("future"), "100")), "effective_from": later.isoformat()}
        put = await client.put(f"{url}/composition", json=body, headers=alice.headers)
        assert put.status_code == 200, put.text
        now = (await client.get(url)).json()
        assert now["composition"]["version"] == 1
        then = await client.get(url, params={"at": (later + timedelta(seconds=1)).isoformat()})
        assert then.json()["composition"]["version"] == 2
        before = await client.get(url, params={"at": "2000-01-01T00:00:00Z"})
        assert before.json() == {"composition": None, "production": None}

    async def test_a_backdated_version_is_in_force_from_its_instant(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice)
        url = f"/v1/tracks/{track['id']}/splits"
        body = {**entries((alice.payee, "100")), "effective_from": "2020-01-01T00:00:00Z"}
        response = await client.put(f"{url}/composition", json=body, headers=alice.headers)
        assert response.status_code == 200, response.text
        then = await client.get(url, params={"at": "2021-06-01T00:00:00Z"})
        assert then.json()["composition"]["version"] == response.json()["version"]
        before = await client.get(url, params={"at": "2019-12-31T00:00:00Z"})
        assert before.json()["composition"] is None

    async def test_effective_from_needs_a_time_zone(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        track = await new_track(client, alice)
        body = {**entries((alice.payee, "100")), "effective_from": "2020-01-01T00:00:00"}
        response = await client.put(
            f"/v1/tracks/{track['id']}/splits/composition", json=body, headers=alice.headers
        )
        assert response.status_code == 422


class TestConsent:
    async def test_new_version_waits_for_every_user_payee(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        state_of(app).settings = state_of(app).settings.model_copy(
            update={"split_consent_required": True}
        )
        alice, bob = await new_user(client), await new_user(client)
        track = await new_track(client, alice)
        url = f"/v1/tracks/{track['id']}/splits"
        body = entries((alice.payee, "50"), (bob.payee, "50"))
        put = await client.put(f"{url}/composition", json=body, headers=alice.headers)
        assert put.json()["status"] == "pending"
        assert (await client.get(url)).json()["composition"]["version"] == 1
        approve = f"{url}/composition/versions/2/approve"
        outsider = await new_user(client)
        assert (await client.post(approve, headers=outsider.headers)).status_code == 403
        approved = await client.post(approve, headers=bob.headers)
        assert approved.json()["status"] == "active"
        assert (await client.get(url)).json()["composition"]["version"] == 2

    async def test_a_newer_version_supersedes_a_pending_one(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        state_of(app).settings = state_of(app).settings.model_copy(
            update={"split_consent_required": True}
        )
        alice, bob = await new_user(client), await new_user(client)
        track = await new_track(client, alice)
        url = f"/v1/tracks/{track['id']}/splits"
        await client.put(
            f"{url}/production",
            json=entries((alice.payee, "50"), (bob.payee, "50")),
            headers=alice.headers,
        )
        solo = await client.put(
            f"{url}/production", json=entries((alice.payee, "100")), headers=alice.headers
        )
        assert solo.json()["status"] == "active"
        history = (await client.get(url, params={"history": "true"})).json()["production"]
        assert [v["status"] for v in history] == ["active", "superseded", "active"]


class TestPresets:
    async def test_fill_a_sheet_from_a_preset_and_the_fourth_is_409(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        made = []
        for i in range(3):
            body = {
                "name": f"Band {i}",
                "entries": [{"payee": alice.payee}, {"payee": wallet(str(i))}],
                "split": "equal",
            }
            response = await client.post("/v1/me/split-presets", json=body, headers=alice.headers)
            assert response.status_code == 201, response.text
            made.append(response.json())
        fourth = await client.post(
            "/v1/me/split-presets",
            json={"name": "Four", "entries": [{"payee": alice.payee, "share": "100"}]},
            headers=alice.headers,
        )
        assert fourth.status_code == 409 and fourth.json()["code"] == "preset_limit"
        track = await new_track(client, alice)
        put = await client.put(
            f"/v1/tracks/{track['id']}/splits/composition",
            json={"preset_id": made[1]["id"]},
            headers=alice.headers,
        )
        assert [e["share"] for e in put.json()["entries"]] == ["50", "50"]
        assert put.json()["entries"][0]["role"] == "composer"
        listed = await client.get("/v1/me/split-presets", headers=alice.headers)
        assert [p["name"] for p in listed.json()] == ["Band 0", "Band 1", "Band 2"]
        deleted = await client.delete(
            f"/v1/me/split-presets/{made[0]['id']}", headers=alice.headers
        )
        assert deleted.status_code == 204
        again = await client.post(
            "/v1/me/split-presets",
            json={"name": "Four", "entries": [{"payee": alice.payee, "share": "100"}]},
            headers=alice.headers,
        )
        assert again.status_code == 201

    async def test_someone_elses_preset_is_not_found(self, client: httpx.AsyncClient) -> None:
        alice, bob = await new_user(client), await new_user(client)
        preset = await client.post(
            "/v1/me/split-presets",
            json={"name": "Mine", "entries": [{"payee": alice.payee, "share": "100"}]},
            headers=alice.headers,
        )
        track = await new_track(client, bob)
        put = await client.put(
            f"/v1/tracks/{track['id']}/splits/composition",
            json={"preset_id": preset.json()["id"]},
            headers=bob.headers,
        )
        assert put.status_code == 404
        gone = await client.delete(
            f"/v1/me/split-presets/{preset.json()['id']}", headers=bob.headers
        )
        assert gone.status_code == 404
