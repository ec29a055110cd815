"""POST /v1/imports/tracks: a dry run lists every bad row; a real run is all or nothing."""

from __future__ import annotations

import httpx

from tests.catalog.factories import GOOD_CSV, ONE_BAD_CSV, new_user


async def mine(client: httpx.AsyncClient, username: str) -> list[str]:
    page = await client.get("/v1/tracks", params={"creator": username, "sort": "title"})
    return [t["title"] for t in page.json()["items"]]


class TestImport:
    async def test_dry_run_reports_without_importing(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        response = await client.post(
            "/v1/imports/tracks",
            params={"dry_run": "true"},
            content=ONE_BAD_CSV,
            headers={**alice.headers, "content-type": "text/csv"},
        )
        assert response.status_code == 200
        report = response.json()
        assert report["dry_run"] is True and report["created"] == 0
        assert [(e["line"], "sum to 110 %" in e["reason"]) for e in report["errors"]] == [(3, True)]
        assert await mine(client, alice.username) == []

    async def test_one_bad_row_imports_nothing(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        response = await client.post(
            "/v1/imports/tracks",
            content=ONE_BAD_CSV,
            headers={**alice.headers, "content-type": "text/csv"},
        )
        assert response.status_code == 422
        assert response.json()["code"] == "import_refused"
        assert response.json()["errors"][0]["line"] == 3
        assert await mine(client, alice.username) == []

    async def test_real_run_is_idempotent_and_takes_multipart(
        self, client: httpx.AsyncClient
    ) -> None:
        alice = await new_user(client)
        first = await client.post(
            "/v1/imports/tracks",
            files={"file": ("t.csv", GOOD_CSV, "text/csv")},
            headers=alice.headers,
        )
        assert first.status_code == 200, first.text
        assert (first.json()["created"], first.json()["skipped"]) == (3, 0)
        again = await client.post(
            "/v1/imports/tracks",
            content=GOOD_CSV,
            headers={**alice.headers, "content-type": "text/csv"},
        )
        assert (again.json()["created"], again.json()["skipped"]) == (0, 3)
        assert await mine(client, alice.username) == ["One", "Three", "Two"]
