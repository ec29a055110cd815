"""The HTTP contract: revenue in, receipts, balances, statements, earnings, payouts."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.royalties.distribution import Planner
from backbeat.royalties.restatement import restate_pending
from backbeat.royalties.rights import Policy
from tests.royalties.factories import (
    Account,
    account,
    distribute_all,
    make_edge,
    make_sheet,
    make_track,
    personal_token,
    user_payee,
)


def event(track_id: object, amount: str = "1000", key: str = "k1", **extra: Any) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "track_id": str(track_id),
        "source": "stream",
        "amount": amount,
        "asset": "USD",
        "occurred_at": "2026-02-01T12:00:00Z",
        **extra,
    }


async def catalog(session: AsyncSession, artist: Account) -> Any:
    """A track whose sheets pay the artist 100 %."""
    payee = await user_payee(session, artist.user)
    track = await make_track(session, artist.user, isrc="USRC17607839")
    await make_sheet(session, track, "composition", [(payee, 1_000_000)])
    await make_sheet(session, track, "production", [(payee, 1_000_000)])
    return track


class TestPostRevenue:
    async def test_admin_posts_one_event_and_a_replay_returns_the_first_result(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin, artist = await account(client, session, admin=True), await account(client, session)
        track = await catalog(session, artist)
        first = await client.post("/v1/revenue-events", json=event(track.id), headers=admin.headers)
        assert first.status_code == 202, first.text
        again = await client.post("/v1/revenue-events", json=event(track.id), headers=admin.headers)
        assert again.status_code == 200
        assert again.json()["results"][0]["event_id"] == first.json()["results"][0]["event_id"]
        changed = await client.post(
            "/v1/revenue-events", json=event(track.id, amount="5"), headers=admin.headers
        )
        assert changed.status_code == 409
        assert changed.json()["results"][0]["code"] == "idempotency_conflict"

    async def test_a_batch_reports_each_event(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin, artist = await account(client, session, admin=True), await account(client, session)
        track = await catalog(session, artist)
        body = {
            "events": [
                event(track.id, key="a"),
                {**event(track.id, key="b"), "track_id": None, "isrc": "US-RC1-76-07839"},
                event(track.id, key="c", amount="-5"),
                event(track.id, key="d", asset="XYZ"),
                event("00000000-0000-0000-0000-000000000001", key="e"),
                event(track.id, key="f", amount="1.5"),
            ]
        }
        response = await client.post("/v1/revenue-events", json=body, headers=admin.headers)
        assert response.status_code == 200, response.text
        statuses = [(r["status"], r["code"]) for r in response.json()["results"]]
        assert statuses == [
            ("accepted", None),
            ("accepted", None),
            ("rejected", "invalid_revenue"),
            ("rejected", "unknown_asset"),
            ("rejected", "unknown_track"),
            ("rejected", "invalid_revenue"),
        ]

    async def test_a_single_refused_event_answers_with_its_errors_status(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin, artist = await account(client, session, admin=True), await account(client, session)
        track = await catalog(session, artist)
        cases = [
            (event("00000000-0000-0000-0000-000000000001", key="u"), 404, "unknown_track"),
            (event(track.id, key="n", amount="-5"), 422, "invalid_revenue"),
            (event(track.id, key="x", asset="XYZ"), 422, "unknown_asset"),
            ({**event(track.id, key="m"), "source": "radio"}, 422, "invalid_revenue"),
        ]
        for body, status, code in cases:
            response = await client.post("/v1/revenue-events", json=body, headers=admin.headers)
            assert response.status_code == status, response.text
            (result,) = response.json()["results"]
            assert (result["status"], result["code"]) == ("rejected", code)

    async def test_a_key_repeated_in_one_batch_replays_the_first_event(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin, artist = await account(client, session, admin=True), await account(client, session)
        track = await catalog(session, artist)
        body = {"events": [event(track.id), event(track.id), event(track.id, amount="7")]}
        response = await client.post("/v1/revenue-events", json=body, headers=admin.headers)
        assert response.status_code == 200, response.text
        first, again, changed = response.json()["results"]
        assert (first["status"], again["status"]) == ("accepted", "duplicate")
        assert again["event_id"] == first["event_id"]
        assert (changed["status"], changed["code"]) == ("rejected", "idempotency_conflict")

    @pytest.mark.parametrize(
        "body", [{"events": []}, {"events": [1]}, {"events": "all"}, [event("t")], "one"]
    )
    async def test_a_body_that_is_neither_an_event_nor_a_batch_is_a_422(
        self, client: httpx.AsyncClient, session: AsyncSession, body: Any
    ) -> None:
        admin = await account(client, session, admin=True)
        response = await client.post("/v1/revenue-events", json=body, headers=admin.headers)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "validation_error"

    async def test_the_body_is_documented_as_one_event_or_a_batch(
        self, client: httpx.AsyncClient
    ) -> None:
        document = (await client.get("/openapi.json")).json()
        operation = document["paths"]["/v1/revenue-events"]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert [s["$ref"].rsplit("/", 1)[1] for s in schema["oneOf"]] == [
            "RevenueEventIn",
            "RevenueBatchIn",
        ]
        items = document["components"]["schemas"]["RevenueBatchIn"]["properties"]["events"]
        assert items["items"]["$ref"].endswith("/RevenueEventIn")
        assert {"200", "202", "404", "409", "422"} <= set(operation["responses"])

    async def test_needs_an_admin_or_the_revenue_write_scope(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist = await account(client, session)
        track = await catalog(session, artist)
        refused = await client.post(
            "/v1/revenue-events", json=event(track.id), headers=artist.headers
        )
        assert refused.status_code == 403
        assert refused.json()["code"] == "revenue_not_allowed"
        backend = await account(client, session)
        token = await personal_token(client, backend, "revenue:write")
        response = await client.post(
            "/v1/revenue-events", json=event(track.id), headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 202, response.text
        reader = await personal_token(client, backend, "read")
        response = await client.post(
            "/v1/revenue-events",
            json=event(track.id, key="z"),
            headers={"Authorization": f"Bearer {reader}"},
        )
        assert response.status_code == 403


class TestAfterDistribution:
    async def test_event_receipt_balances_statement_and_earnings(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin, artist = await account(client, session, admin=True), await account(client, session)
        track = await catalog(session, artist)
        posted = await client.post(
            "/v1/revenue-events", json=event(track.id), headers=admin.headers
        )
        event_id = posted.json()["results"][0]["event_id"]
        assert await distribute_all(session) == 1

        got = (await client.get(f"/v1/revenue-events/{event_id}", headers=artist.headers)).json()
        assert got["status"] == "allocated"
        receipt = (
            await client.get(f"/v1/revenue-events/{event_id}/receipt", headers=artist.headers)
        ).json()
        (revision,) = receipt["revisions"]
        lines = revision["allocation"]["lines"]
        assert [(line["account"], line["credit"]) for line in lines] == [
            (f"payee:{(await user_payee(session, artist.user)).id}", 1000)
        ]

        balances = (await client.get("/v1/me/balances", headers=artist.headers)).json()
        assert balances["balances"] == [
            {
                "payee": f"user:{artist.user.id}",
                "asset": "USD",
                "available": "1000",
                "in_payouts": "0",
                "lifetime": "1000",
            }
        ]
        stranger = await account(client, session)
        hidden = await client.get(
            f"/v1/payees/user:{artist.user.id}/balances", headers=stranger.headers
        )
        assert hidden.status_code == 404
        assert (
            await client.get(f"/v1/revenue-events/{event_id}/receipt", headers=stranger.headers)
        ).status_code == 404

        statement = await client.get(
            f"/v1/payees/user:{artist.user.id}/statement", headers=artist.headers
        )
        assert statement.json()["totals"][0]["closing"] == "1000"
        as_csv = await client.get(
            f"/v1/payees/user:{artist.user.id}/statement?format=csv", headers=artist.headers
        )
        rows = list(csv.reader(io.StringIO(as_csv.text)))
        assert rows[1][:5] == ["earnings", str(track.id), "stream", "USD", "1000"]

        earnings = (
            await client.get(f"/v1/tracks/{track.id}/earnings", headers=artist.headers)
        ).json()
        assert earnings["revenue"][0]["amount"] == "1000"
        assert earnings["earnings"][0]["payee"] == f"user:{artist.user.id}"


class TestPayouts:
    async def funded(
        self, client: httpx.AsyncClient, session: AsyncSession, amount: str
    ) -> Account:
        admin, artist = await account(client, session, admin=True), await account(client, session)
        track = await catalog(session, artist)
        await client.post("/v1/revenue-events", json=event(track.id, amount), headers=admin.headers)
        await distribute_all(session, Policy())
        return artist

    async def test_request_then_complete_or_fail(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist = await self.funded(client, session, "5000")
        admin = await account(client, session, admin=True)
        first = await client.post(
            "/v1/payouts", json={"asset": "USD", "amount": "2000"}, headers=artist.headers
        )
        assert first.status_code == 201, first.text
        second = await client.post("/v1/payouts", json={"asset": "USD"}, headers=artist.headers)
        assert second.json()["amount"] == "3000"
        empty = await client.post("/v1/payouts", json={"asset": "USD"}, headers=artist.headers)
        assert empty.status_code == 409
        assert empty.json()["code"] == "insufficient_balance"

        refused = await client.post(
            f"/v1/payouts/{first.json()['id']}/complete", headers=artist.headers
        )
        assert refused.status_code == 403
        done = await client.post(
            f"/v1/payouts/{first.json()['id']}/complete",
            json={"note": "wire 42"},
            headers=admin.headers,
        )
        assert done.json()["status"] == "paid"
        failed = await client.post(f"/v1/payouts/{second.json()['id']}/fail", headers=admin.headers)
        assert failed.json()["status"] == "failed"
        balances = (await client.get("/v1/me/balances", headers=artist.headers)).json()
        assert balances["balances"][0] | {} == {
            "payee": f"user:{artist.user.id}",
            "asset": "USD",
            "available": "3000",
            "in_payouts": "0",
            "lifetime": "5000",
        }
        listed = (await client.get("/v1/payouts", headers=artist.headers)).json()["payouts"]
        assert {p["status"] for p in listed} == {"paid", "failed"}

    async def test_minimum_payout(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        artist = await self.funded(client, session, "500")
        small = await client.post("/v1/payouts", json={"asset": "USD"}, headers=artist.headers)
        assert small.status_code == 422
        assert small.json()["code"] == "below_minimum_payout"


async def test_a_remix_pays_its_parent_through_the_api(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await account(client, session, admin=True)
    original_artist, remixer = await account(client, session), await account(client, session)
    original = await catalog(session, original_artist)
    remix = await make_track(session, remixer.user)
    payee = await user_payee(session, remixer.user)
    await make_sheet(session, remix, "composition", [(payee, 1_000_000)])
    await make_sheet(session, remix, "production", [(payee, 1_000_000)])
    await make_edge(session, remix, original, 300_000)
    await client.post("/v1/revenue-events", json=event(remix.id), headers=admin.headers)
    await distribute_all(session)
    mine = (await client.get("/v1/me/balances", headers=original_artist.headers)).json()
    assert mine["balances"][0]["available"] == "300"


async def test_a_backdated_sheet_through_the_api_restates_what_was_paid(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin, artist = await account(client, session, admin=True), await account(client, session)
    heir = await account(client, session)
    track = await catalog(session, artist)
    posted = await client.post("/v1/revenue-events", json=event(track.id), headers=admin.headers)
    assert posted.status_code == 202, posted.text
    assert await distribute_all(session) == 1

    backdated = {
        "entries": [{"payee": f"user:{heir.user.id}", "share": "100", "role": "composer"}],
        "effective_from": "2026-01-15T00:00:00Z",
    }
    response = await client.put(
        f"/v1/tracks/{track.id}/splits/composition", json=backdated, headers=artist.headers
    )
    assert response.status_code == 200, response.text
    await restate_pending(session, Planner(Policy()))

    def available(body: dict[str, Any]) -> str:
        return str(body["balances"][0]["available"])

    mine = (await client.get("/v1/me/balances", headers=artist.headers)).json()
    theirs = (await client.get("/v1/me/balances", headers=heir.headers)).json()
    assert (available(mine), available(theirs)) == ("500", "500")
    statement = await client.get(
        f"/v1/payees/user:{artist.user.id}/statement?format=csv", headers=artist.headers
    )
    kinds = [row[0] for row in csv.reader(io.StringIO(statement.text))][1:]
    assert "earnings" in kinds
    assert len(set(kinds) - {"earnings"}) >= 1  # the correction is a line of its own


def test_the_api_does_not_import_the_offline_verifier() -> None:
    """`royalties verify` is a CLI tool: the router's import graph stays without it."""
    probe = (
        "import sys, backbeat.royalties.router; "
        "sys.exit('backbeat.royalties.verify' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0
