"""The lean read path: what it returns matches the documented models, and claims never leak."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.app import create_app
from backbeat.billing import entitlements
from backbeat.billing.schemas import (
    EntitlementsOut,
    InvoiceList,
    InvoiceOut,
    PaymentMethodList,
    PaymentMethodOut,
    PlanList,
    PlanOut,
    SubscriptionOut,
)
from backbeat.catalog.schemas import CreatorStoreOut, LineageOut, TrackOut, TrackPage
from backbeat.db import ANONYMOUS, Claims, Database, apply_claims
from backbeat.embedded import DatabaseUrls
from backbeat.health import Readiness
from backbeat.identity.schemas import PublicProfile, UserOut
from backbeat.offerings.coin_schemas import CoinOut, CoinPage, HolderPage, PoolEventPage, PoolOut
from backbeat.reads import PRELUDE_READ, PoolReader, Read
from backbeat.royalties.schemas import BalancesOut
from backbeat.taste.generation_schemas import GenerationOut
from backbeat.taste.schemas import Recommendations, TasteOut
from backbeat.taste.service import vectors as taste_vectors
from tests.billing_factories import PRO, make_plan, make_subscription
from tests.catalog.factories import User, new_track, new_user
from tests.conftest import settings_for_tests
from tests.offerings.coin_factories import address, coin_body, mint, pool_event
from tests.rls import acting_as
from tests.royalties.factories import account
from tests.taste.worlds import small_model, track_with_vector

WHO_AM_I = Read(
    "select json_build_object('role', current_user, "
    "'claims', current_setting('request.jwt.claims', true))::text"
)
FAILING = Read("select (1 / (%(zero)s)::int)::text")


def assert_matches(model: type[BaseModel], body: str) -> dict[str, Any]:
    """The body validates against the model and carries exactly its fields (nested too)."""
    parsed: dict[str, Any] = json.loads(body)
    model.model_validate_json(body)
    assert set(parsed) == set(model.model_fields), f"{model.__name__}: {set(parsed)}"
    return parsed


class TestHotReadsMatchTheirResponseModels:
    async def test_track_owner_and_stranger(self, client: httpx.AsyncClient) -> None:
        owner, stranger = await new_user(client), await new_user(client)
        credits = [{"name": "Luna", "role": "performer"}]
        created = await new_track(client, owner, contact_info={"email": "a@b.c"}, credits=credits)
        mine = await client.get(f"/v1/tracks/{created['id']}", headers=owner.headers)
        theirs = await client.get(f"/v1/tracks/{created['id']}", headers=stranger.headers)
        anonymous = await client.get(f"/v1/tracks/{created['id']}")
        assert assert_matches(TrackOut, mine.text)["contact_info"] == {"email": "a@b.c"}
        assert assert_matches(TrackOut, theirs.text)["contact_info"] is None
        assert assert_matches(TrackOut, anonymous.text)["credits"][0]["name"] == "Luna"

    async def test_the_lean_track_equals_the_orm_track(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        created = await new_track(client, owner, tags=["lofi"], bpm=92.5, key="A minor")
        lean = TrackOut.model_validate_json(
            (await client.get(f"/v1/tracks/{created['id']}", headers=owner.headers)).text
        )
        assert lean == TrackOut.model_validate(created)

    async def test_lineage_search_and_store(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        parent = await new_track(client, owner, title="Lean Parent")
        child = await new_track(client, owner, title="Lean Child", parents=[_parent(parent)])
        lineage = await client.get(f"/v1/tracks/{child['id']}/lineage")
        nodes = assert_matches(LineageOut, lineage.text)["nodes"]
        assert [n["track_id"] for n in nodes] == [parent["id"]]
        page = assert_matches(TrackPage, (await client.get("/v1/tracks?q=lean")).text)
        assert {t["title"] for t in page["items"]} >= {"Lean Parent", "Lean Child"}
        store = await client.get(f"/v1/creators/{owner.username}/store")
        assert assert_matches(CreatorStoreOut, store.text)["total"] == 2

    async def test_a_generation_equals_its_list_item(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        source = await new_track(client, owner, title="Lean Source")
        body = {"mode": "similar", "source": {"track_id": source["id"]}, "prompt": "p"}
        accepted = await client.post("/v1/generations", json=body, headers=owner.headers)
        found = await client.get(f"/v1/generations/{accepted.json()['id']}", headers=owner.headers)
        lean = assert_matches(GenerationOut, found.text)
        assert lean["provenance"]["source_tracks"] == [source["id"]]
        listed = (await client.get("/v1/generations", headers=owner.headers)).json()["items"][0]
        assert GenerationOut.model_validate(lean) == GenerationOut.model_validate(listed)

    async def test_me_profile_and_readiness(self, client: httpx.AsyncClient) -> None:
        user = await new_user(client)
        me = assert_matches(UserOut, (await client.get("/v1/me", headers=user.headers)).text)
        assert me["id"] == str(user.id)
        profile = (await client.get(f"/v1/users/{user.username}")).text
        assert assert_matches(PublicProfile, profile)["username"] == user.username
        assert assert_matches(Readiness, (await client.get("/readyz")).text)["database"] is True
        balances = (await client.get("/v1/me/balances", headers=user.headers)).text
        assert assert_matches(BalancesOut, balances) == {"balances": []}  # values: royalties tests

    async def test_taste_recommendations_similar(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        listener, owner = await new_user(client), await new_user(client)
        model = await small_model(session, "lean-four")
        liked = await track_with_vector(session, owner.id, model, [1, 0, 0, 0])
        for values in ([1, 0.2, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]):
            await track_with_vector(session, owner.id, model, values)
        await session.execute(
            text("insert into library_likes (user_id, track_id) values (:u, :t)"),
            {"u": listener.id, "t": liked},
        )
        await taste_vectors.recompute_user(session, listener.id, half_life_days=30)
        asked: dict[str, str | int] = {"model": "lean-four", "k": 2}
        recs = await client.get("/v1/me/recommendations", params=asked, headers=listener.headers)
        similar = await client.get(f"/v1/tracks/{liked}/similar", params=asked)
        taste = await client.get("/v1/me/taste", params=asked, headers=listener.headers)
        items = assert_matches(Recommendations, recs.text)["items"]
        assert [i["because"][0]["track_id"] for i in items][:1] == [str(liked)]
        assert len(assert_matches(Recommendations, similar.text)["items"]) == 2
        assert assert_matches(TasteOut, taste.text)["influences"][0]["track_id"] == str(liked)

    async def test_billing_reads(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        user = await new_user(client)
        free = assert_matches(
            SubscriptionOut, (await client.get("/v1/me/subscription", headers=user.headers)).text
        )
        assert free["plan"] == "free"
        plan = await make_plan(session, "pro", PRO)
        await make_subscription(session, user.id, plan)
        for statement in (
            "insert into billing_invoices (id, user_id, provider, external_id, asset, "
            "subtotal_minor, total_minor, status) values (gen_random_uuid(), :u, 'stripe', "
            "'in_lean', 'USD', 900, 900, 'paid')",
            "insert into billing_payment_methods (id, user_id, provider, external_id, kind) "
            "values (gen_random_uuid(), :u, 'stripe', 'pm_lean', 'card')",
        ):
            await session.execute(text(statement), {"u": user.id})
        plans = assert_matches(PlanList, (await client.get("/v1/plans")).text)["items"]
        assert set(plans[0]) == set(PlanOut.model_fields)
        mine = (await client.get("/v1/me/subscription", headers=user.headers)).text
        assert assert_matches(SubscriptionOut, mine)["plan"] == "pro"
        invoices = (await client.get("/v1/me/invoices", headers=user.headers)).text
        (invoice,) = assert_matches(InvoiceList, invoices)["items"]
        assert set(invoice) == set(InvoiceOut.model_fields)
        methods = (await client.get("/v1/me/payment-methods", headers=user.headers)).text
        (method,) = assert_matches(PaymentMethodList, methods)["items"]
        assert set(method) == set(PaymentMethodOut.model_fields)
        lean = (await client.get("/v1/me/entitlements", headers=user.headers)).text
        granted = await entitlements(session, user.id)
        assert assert_matches(EntitlementsOut, lean) == {
            "plan": "pro",
            "entitlements": granted.as_mapping(settings_for_tests().media_quota_bytes),
        }

    async def test_coins_holders_pools_and_events(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await account(client, session, admin=True)
        body = coin_body(f"user:{admin.user.id}")
        coin = (await client.post("/v1/admin/coins", json=body, headers=admin.headers)).json()
        await mint(client, admin.headers, coin["id"], address("lean holder"), 10**21)
        pool_body = {"coin_id": coin["id"], "address": address("lean pool")}
        pool_body |= {"token0": coin["contract_address"], "token1": address("lean weth")}
        pool = (await client.post("/v1/admin/pools", json=pool_body, headers=admin.headers)).json()
        event = pool_event("mint", address("lean lp"), amount0_in=5, amount1_in=5, liquidity=5)
        await client.post(f"/v1/admin/pools/{pool['id']}/events", json=event, headers=admin.headers)
        listed = assert_matches(CoinPage, (await client.get("/v1/coins")).text)
        assert listed["items"][0]["total_supply"] == str(10**21)
        one = assert_matches(CoinOut, (await client.get(f"/v1/coins/{coin['id']}")).text)
        assert one["pools"] == [{"id": pool["id"], "address": pool["address"]}]
        holders = (await client.get(f"/v1/coins/{coin['id']}/holders")).text
        assert assert_matches(HolderPage, holders)["items"][0]["share"] == "100"
        shown = assert_matches(PoolOut, (await client.get(f"/v1/pools/{pool['id']}")).text)
        assert shown["positions"][0]["liquidity"] == "5"
        events = (await client.get(f"/v1/pools/{pool['id']}/events")).text
        assert assert_matches(PoolEventPage, events)["items"][0]["reserve1_after"] == "5"


def _parent(track: dict[str, Any]) -> dict[str, Any]:
    return {"parent_id": track["id"], "kind": "remix", "share": "20"}


@pytest.fixture
async def single_connection_reader(committed_database: Database) -> Any:
    """A real pool of ONE connection, so every read reuses the same server session."""
    reader = PoolReader(committed_database.urls.api, max_size=1)
    yield reader
    await reader.close()


def someone() -> Claims:
    return Claims(sub=str(uuid.uuid4()), payload={"app_role": "user"})


class TestClaimsNeverLeakAcrossRequests:
    async def test_each_read_sees_only_its_own_claims(self, single_connection_reader: Any) -> None:
        reader, alice = single_connection_reader, someone()
        as_alice = json.loads((await reader.fetch(alice, WHO_AM_I, {}))[0][0])
        as_anonymous = json.loads((await reader.fetch(ANONYMOUS, WHO_AM_I, {}))[0][0])
        assert as_alice["role"] == "backbeat_user" and alice.sub in as_alice["claims"]
        assert as_anonymous["role"] == "backbeat_anon"
        assert alice.sub not in as_anonymous["claims"]

    async def test_an_error_mid_request_leaves_nothing_behind(
        self, single_connection_reader: Any
    ) -> None:
        reader, alice = single_connection_reader, someone()
        with pytest.raises(psycopg.errors.DivisionByZero):
            await reader.fetch(alice, FAILING, {"zero": 0})
        after = json.loads((await reader.fetch(ANONYMOUS, WHO_AM_I, {}))[0][0])
        assert after["role"] == "backbeat_anon" and alice.sub not in after["claims"]
        async with reader._pool.connection() as conn:  # the very connection, with no prelude
            row = await (await conn.execute(WHO_AM_I.sql)).fetchone()
        bare = json.loads(row[0]) if row else {}
        assert bare == {"role": "backbeat_api", "claims": ""}

    async def test_prepared_statements_survive_failures_and_deallocation(
        self, single_connection_reader: Any
    ) -> None:
        reader = single_connection_reader
        with pytest.raises(psycopg.errors.DivisionByZero):
            await reader.fetch(ANONYMOUS, FAILING, {"zero": 0})  # prepared, then failed
        assert (await reader.fetch(ANONYMOUS, FAILING, {"zero": 1}))[0][0] == "1"
        async with reader._pool.connection() as conn:
            await conn.execute("deallocate all")
        assert (await reader.fetch(ANONYMOUS, FAILING, {"zero": 1}))[0][0] == "1"
        async with reader._pool.connection() as conn:
            names = await (await conn.execute("select name from pg_prepared_statements")).fetchall()
        assert {FAILING.name, PRELUDE_READ.name} <= {row[0] for row in names}

    async def test_unprepared_reads_for_poolers_leave_no_statements(
        self, committed_database: Database
    ) -> None:
        reader = PoolReader(committed_database.urls.api, max_size=1, prepared=False)
        try:
            assert (await reader.fetch(ANONYMOUS, FAILING, {"zero": 1}))[0][0] == "1"
            async with reader._pool.connection() as conn:
                found = await (
                    await conn.execute("select count(*) from pg_prepared_statements")
                ).fetchone()
        finally:
            await reader.close()
        assert found == (0,)

    async def test_through_the_api_a_private_track_stays_private(
        self, committed_urls: DatabaseUrls
    ) -> None:
        database = Database.connect(committed_urls, pool_size=1)  # one connection per role
        app: FastAPI = create_app(settings_for_tests(), database=database)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as client,
        ):
            owner: User = await new_user(client)
            private = await new_track(client, owner, visibility="private")
            seen_by_owner = await client.get(f"/v1/tracks/{private['id']}", headers=owner.headers)
            broken = await client.get("/v1/tracks?cursor=not-a-cursor", headers=owner.headers)
            seen_after = await client.get(f"/v1/tracks/{private['id']}")
        await database.dispose()
        assert seen_by_owner.status_code == 200
        assert broken.status_code == 422
        assert seen_after.status_code == 404


class TestOwnAccountFunction:
    """identity_own_account() runs as the owner: it must answer for the caller's row only."""

    async def test_each_user_gets_only_their_own_account(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        alice, bob = await new_user(client), await new_user(client)
        async with acting_as(session, bob.id, app_role="user"):
            seen = await session.scalar(text("select identity_own_account()"))
        assert json.loads(seen)["id"] == str(bob.id)
        assert str(alice.id) not in seen

    async def test_anonymous_callers_may_not_call_it(self, session: AsyncSession) -> None:
        async with session.begin_nested() as attempt:
            await apply_claims(session, ANONYMOUS)
            with pytest.raises(DBAPIError, match="permission denied"):
                await session.execute(text("select identity_own_account()"))
            await attempt.rollback()
