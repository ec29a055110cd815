"""POST /v1/imports/tracks: a dry run lists every bad row; a real run is all or nothing."""

from __future__ import annotations

import httpx

from tests.catalog.helpers import new_user, wallet

HEADER = (
    "title,artist,sample_type,tags,composition_split_1_wallet,composition_split_1_percentage,"
    "composition_split_2_wallet,composition_split_2_percentage,"
    "production_split_1_wallet,production_split_1_percentage\n"
)


def row(title: str, c1: str = "50", c2: str = "50") -> str:
    return f"{title},Luna,VOCALS,lofi,{wallet('a')},{c1},{wallet('b')},{c2},{wallet('a')},100\n"


GOOD = HEADER + row("One") + row("Two") + row("Three")
ONE_BAD = HEADER + row("One") + row("Two", c1="60") + row("Three")


async def mine(client: httpx.AsyncClient, username: str) -> list[str]:
    page = await client.get("/v1/tracks", params={"creator": username, "sort": "title"})
    return [t["title"] for t in page.json()["items"]]


class TestImport:
    async def test_dry_run_reports_without_importing(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        response = await client.post(
            "/v1/imports/tracks",
            params={"dry_run": "true"},
            content=ONE_BAD,
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
            content=ONE_BAD,
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
            "/v1/imports/tracks", files={"file": ("t.csv", GOOD, "text/csv")}, headers=alice.headers
        )
        assert first.status_code == 200, first.text
        assert (first.json()["created"], first.json()["skipped"]) == (3, 0)
        again = await client.post(
            "/v1/imports/tracks",
            content=GOOD,
            headers={**alice.headers, "content-type": "text/csv"},
        )
        assert (again.json()["created"], again.json()["skipped"]) == (0, 3)
        assert await mine(client, alice.username) == ["One", "Three", "Two"]
