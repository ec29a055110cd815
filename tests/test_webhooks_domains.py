"""The events the domains on main write, each in the transaction of its change: a track that
becomes public, revenue allocated to a track's creator, payouts requested, paid and failed, a
subscription granted or canceled."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.service.changes import cancel_subscription, grant_plan
from backbeat.royalties.rights import Policy
from tests.billing_factories import make_plan
from tests.royalties.factories import (
    account,
    distribute_all,
    make_event,
    make_sheet,
    make_track,
    user_payee,
)

EVERYTHING = (
    "{track.published,revenue.allocated,payout.requested,payout.paid,payout.failed,"
    "subscription.updated}"
)


async def _platform_endpoint(session: AsyncSession) -> None:
    """Someone must want the types, or the outbox stores nothing."""
    await session.execute(
        text(
            "insert into billing_webhook_endpoints (id, url, events, secret_sealed) "
            "values (gen_random_uuid(), 'https://93.184.216.34/h', cast(:e as text[]), '\\x00')"
        ),
        {"e": EVERYTHING},
    )


async def _events(session: AsyncSession, event_type: str) -> list[tuple[Any, dict[str, Any]]]:
    rows = await session.execute(
        text("select owner_id, data from billing_webhook_events where event_type = :t order by id"),
        {"t": event_type},
    )
    return [(row.owner_id, row.data) for row in rows.all()]


class TestTrackPublished:
    async def test_public_at_creation_or_when_made_public_and_only_then(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await _platform_endpoint(session)
        artist = await account(client, session)
        body = {"title": "Dawn", "artist": "Luna", "sample_type": "vocals"}
        public = await client.post("/v1/tracks", json=body, headers=artist.headers)
        hidden = await client.post(
            "/v1/tracks", json=body | {"visibility": "private"}, headers=artist.headers
        )
        assert (await _events(session, "track.published")) == [
            (artist.user.id, {"track_id": public.json()["id"], "title": "Dawn", "artist": "Luna"})
        ]
        for visibility in ("public", "unlisted", "public"):
            await client.patch(
                f"/v1/tracks/{hidden.json()['id']}",
                json={"visibility": visibility},
                headers=artist.headers,
            )
        later = [data["track_id"] for _, data in await _events(session, "track.published")]
        assert later == [public.json()["id"], hidden.json()["id"], hidden.json()["id"]]


class TestRoyalties:
    async def test_revenue_allocated_goes_to_the_track_creator(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await _platform_endpoint(session)
        artist = await account(client, session)
        payee = await user_payee(session, artist.user)
        track = await make_track(session, artist.user)
        for sheet in ("composition", "production"):
            await make_sheet(session, track, sheet, [(payee, 1_000_000)])
        revenue = [await make_event(session, track, amount) for amount in (700, 300)]
        assert await distribute_all(session, Policy()) == 2
        found = await _events(session, "revenue.allocated")
        assert {(owner, data["revenue_event_id"], data["amount"]) for owner, data in found} == {
            (artist.user.id, str(revenue[0].id), "700"),
            (artist.user.id, str(revenue[1].id), "300"),
        }

    async def test_payouts_requested_paid_and_failed_once_each(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await _platform_endpoint(session)
        artist = await account(client, session)
        admin = await account(client, session, admin=True)
        payee = await user_payee(session, artist.user)
        track = await make_track(session, artist.user)
        for sheet in ("composition", "production"):
            await make_sheet(session, track, sheet, [(payee, 1_000_000)])
        await make_event(session, track, 5000)
        await distribute_all(session, Policy())
        ids = []
        for amount in ("2000", "3000"):
            made = await client.post(
                "/v1/payouts", json={"asset": "USD", "amount": amount}, headers=artist.headers
            )
            assert made.status_code == 201, made.text
            ids.append(made.json()["id"])
        for _ in range(2):  # settling twice is idempotent, and so are its events
            await client.post(f"/v1/payouts/{ids[0]}/complete", headers=admin.headers)
            await client.post(f"/v1/payouts/{ids[1]}/fail", headers=admin.headers)
        requested = await _events(session, "payout.requested")
        assert [(o, d["id"], d["status"]) for o, d in requested] == [
            (artist.user.id, ids[0], "requested"),
            (artist.user.id, ids[1], "requested"),
        ]
        paid, failed = (
            await _events(session, "payout.paid"),
            await _events(session, "payout.failed"),
        )
        assert [(o, d["id"], d["amount"]) for o, d in paid] == [(artist.user.id, ids[0], "2000")]
        assert [(o, d["id"]) for o, d in failed] == [(artist.user.id, ids[1])]


class TestSubscriptions:
    async def test_a_grant_and_a_cancel_each_announce_the_new_state_to_its_user(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await _platform_endpoint(session)
        await make_plan(session, "pro")
        admin = await account(client, session, admin=True)
        member = await account(client, session)
        await grant_plan(
            session, member.user.id, "pro", 30, actor=admin.user.id, actor_role="admin"
        )
        await cancel_subscription(session, None, actor=member.user.id)
        found = await _events(session, "subscription.updated")
        assert [owner for owner, _ in found] == [member.user.id, member.user.id]
        states = [(d["plan"], d["status"], d["cancel_at_period_end"]) for _, d in found]
        assert states == [("pro", "active", False), ("pro", "active", True)]
        assert found[0][1]["user_id"] == str(member.user.id)
