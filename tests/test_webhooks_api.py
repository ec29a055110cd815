"""The webhook-endpoint routes over HTTP: create (secret once, sealed at rest), list, delete,
the SSRF guard at creation, platform endpoints for admins only, the delivery log and replay."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import outbox
from backbeat.billing.fan_out import fan_out_batch
from backbeat.billing.webhook_signing import open_secret, secret_box
from tests.conftest import settings_for_tests
from tests.royalties.factories import Account, account

PUBLIC = "https://93.184.216.34/hooks/backbeat"
"""A public address literal: the guard passes it without a DNS lookup."""


async def _create(
    client: httpx.AsyncClient, who: Account, *events: str, **extra: object
) -> httpx.Response:
    body = {"url": PUBLIC, "events": list(events or ["payout.paid"]), **extra}
    return await client.post("/v1/webhook-endpoints", json=body, headers=who.headers)


async def _endpoint(client: httpx.AsyncClient, who: Account, *events: str) -> str:
    response = await _create(client, who, *events)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


class TestEndpoints:
    async def test_create_shows_the_secret_once_then_list_and_delete(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        alice = await account(client, session)
        created = await _create(client, alice, "payout.paid", "track.published", "payout.paid")
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["url"] == PUBLIC and body["events"] == ["payout.paid", "track.published"]
        assert body["secret"].startswith("whsec_") and body["platform"] is False
        listed = (await client.get("/v1/webhook-endpoints", headers=alice.headers)).json()
        assert [e["id"] for e in listed["items"]] == [body["id"]]
        assert "secret" not in listed["items"][0]
        gone = await client.delete(f"/v1/webhook-endpoints/{body['id']}", headers=alice.headers)
        assert gone.status_code == 204
        again = await client.delete(f"/v1/webhook-endpoints/{body['id']}", headers=alice.headers)
        assert again.status_code == 404

    async def test_the_secret_is_sealed_at_rest(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        alice = await account(client, session)
        body = (await _create(client, alice)).json()
        sealed = await session.scalar(
            text("select secret_sealed from billing_webhook_endpoints where id = :i"),
            {"i": body["id"]},
        )
        assert body["secret"].encode() not in sealed
        box = secret_box(settings_for_tests())
        assert open_secret(box, uuid.UUID(body["id"]), sealed) == body["secret"]

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1/hook",
            "http://localhost:8080/hook",
            "http://10.1.2.3/hook",
            "http://192.168.0.10/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/hook",
            "http://[::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://[fe80::1]/hook",
            "http://0.0.0.0/hook",
            "ftp://93.184.216.34/hook",
            "http://user:pw@93.184.216.34/hook",
            "https://no-such-host.invalid/hook",
            "not a url",
        ],
    )
    async def test_unsafe_urls_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, url: str
    ) -> None:
        alice = await account(client, session)
        refused = await _create(client, alice, url=url)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "unsafe_webhook_url"

    async def test_unknown_event_types_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        alice = await account(client, session)
        assert (await _create(client, alice, "track.exploded")).status_code == 422

    async def test_endpoints_are_limited_per_user(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        alice = await account(client, session)
        for _ in range(settings_for_tests().webhook_max_endpoints):
            await _endpoint(client, alice)
        refused = await _create(client, alice)
        assert refused.status_code == 409 and refused.json()["code"] == "too_many_webhook_endpoints"

    async def test_platform_endpoints_are_for_admins_who_see_everything(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        alice = await account(client, session)
        admin = await account(client, session, admin=True)
        refused = await _create(client, alice, platform=True)
        assert refused.status_code == 403, refused.text
        platform = (await _create(client, admin, platform=True)).json()
        assert platform["platform"] is True and platform["owner_id"] is None
        mine = await _endpoint(client, alice)
        seen = (await client.get("/v1/webhook-endpoints", headers=admin.headers)).json()
        assert {mine, platform["id"]} <= {e["id"] for e in seen["items"]}
        alice_sees = (await client.get("/v1/webhook-endpoints", headers=alice.headers)).json()
        assert [e["id"] for e in alice_sees["items"]] == [mine]
        other = await client.delete(
            f"/v1/webhook-endpoints/{platform['id']}", headers=alice.headers
        )
        assert other.status_code == 404


class TestDeliveries:
    async def _deliveries(
        self, client: httpx.AsyncClient, session: AsyncSession, count: int
    ) -> tuple[Account, str]:
        alice = await account(client, session)
        endpoint = await _endpoint(client, alice)
        for n in range(count):
            await outbox.emit(session, "payout.paid", {"n": n}, owner_id=alice.user.id)
        await outbox.emit(session, "payout.requested", {"n": 9}, owner_id=alice.user.id)
        await fan_out_batch(session)
        return alice, endpoint

    async def test_the_log_pages_newest_first(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        alice, endpoint = await self._deliveries(client, session, 3)
        url = f"/v1/webhook-endpoints/{endpoint}/deliveries"
        first = (await client.get(url, params={"limit": 2}, headers=alice.headers)).json()
        rest = await client.get(url, params={"cursor": first["next_cursor"]}, headers=alice.headers)
        items = first["items"] + rest.json()["items"]
        assert rest.json()["next_cursor"] is None and len(items) == 3
        assert [i["event_type"] for i in items] == ["payout.paid"] * 3
        assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)
        assert {(i["status"], i["attempts"], i["last_status_code"]) for i in items} == {
            ("pending", 0, None)
        }

    async def test_another_user_neither_reads_nor_replays(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        alice, endpoint = await self._deliveries(client, session, 1)
        bob = await account(client, session)
        url = f"/v1/webhook-endpoints/{endpoint}/deliveries"
        assert (await client.get(url, headers=bob.headers)).status_code == 404
        (item,) = (await client.get(url, headers=alice.headers)).json()["items"]
        replay = f"/v1/webhook-deliveries/{item['id']}/replay"
        assert (await client.post(replay, headers=bob.headers)).status_code == 404

    async def test_replay_starts_again_unless_the_endpoint_is_disabled(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        alice, endpoint = await self._deliveries(client, session, 1)
        url = f"/v1/webhook-endpoints/{endpoint}/deliveries"
        (item,) = (await client.get(url, headers=alice.headers)).json()["items"]
        await session.execute(
            text(
                "update billing_webhook_deliveries set status = 'failed', attempts = 8, "
                "last_status_code = 500 where id = :i"
            ),
            {"i": item["id"]},
        )
        replay = f"/v1/webhook-deliveries/{item['id']}/replay"
        replayed = await client.post(replay, headers=alice.headers)
        assert replayed.status_code == 200, replayed.text
        assert (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)
        jobs = await session.scalar(
            text("select count(*) from procrastinate_jobs where queueing_lock = :k"),
            {"k": f"webhook-replay:{item['id']}"},
        )
        assert jobs == 1
        await session.execute(
            text("update billing_webhook_endpoints set status = 'disabled' where id = :e"),
            {"e": endpoint},
        )
        refused = await client.post(replay, headers=alice.headers)
        assert refused.status_code == 409 and refused.json()["code"] == "webhook_endpoint_disabled"
