"""The pools API: admins mirror a coin's pools and apply their swaps, mints and burns once;
everyone reads reserves, positions and the events, newest first."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.offerings.coin_factories import address, coin_body, log, pool_event
from tests.royalties.factories import Account, account

WETH = address("weth")


@pytest.fixture
async def admin(client: httpx.AsyncClient, session: AsyncSession) -> Account:
    return await account(client, session, admin=True)


@pytest.fixture
async def coin(client: httpx.AsyncClient, admin: Account) -> dict[str, Any]:
    body = coin_body(f"user:{admin.user.id}")
    response = await client.post("/v1/admin/coins", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
async def pool(client: httpx.AsyncClient, admin: Account, coin: dict[str, Any]) -> dict[str, Any]:
    body = {
        "coin_id": coin["id"],
        "address": address("pool"),
        "token0": coin["contract_address"],
        "token1": WETH,
    }
    response = await client.post("/v1/admin/pools", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def apply(
    client: httpx.AsyncClient, admin: Account, pool: dict[str, Any], body: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/v1/admin/pools/{pool['id']}/events", json=body, headers=admin.headers
    )


class TestCreatePool:
    async def test_a_pool_pairs_its_coin_and_shows_on_the_coin(
        self, client: httpx.AsyncClient, coin: dict[str, Any], pool: dict[str, Any]
    ) -> None:
        assert (pool["reserve0"], pool["reserve1"], pool["total_liquidity"]) == ("0", "0", "0")
        assert pool["chain_id"] == coin["chain_id"] and pool["positions"] == []
        shown = (await client.get(f"/v1/coins/{coin['id']}")).json()["pools"]
        assert shown == [{"id": pool["id"], "address": pool["address"]}]

    async def test_a_pool_without_the_coin_or_twice_is_refused(
        self, client: httpx.AsyncClient, admin: Account, coin: dict[str, Any], pool: dict[str, Any]
    ) -> None:
        body = {"coin_id": coin["id"], "address": address("p2"), "token0": WETH}
        unrelated = await client.post(
            "/v1/admin/pools", json={**body, "token1": address("usdc")}, headers=admin.headers
        )
        assert (unrelated.status_code, unrelated.json()["code"]) == (422, "pool_not_of_coin")
        twice = await client.post(
            "/v1/admin/pools",
            json={**body, "address": pool["address"], "token1": coin["contract_address"]},
            headers=admin.headers,
        )
        assert (twice.status_code, twice.json()["code"]) == (409, "pool_exists")
        same_token = await client.post(
            "/v1/admin/pools", json={**body, "token1": WETH}, headers=admin.headers
        )
        assert same_token.status_code == 422


class TestEvents:
    async def test_mint_swap_burn_move_reserves_and_positions_together(
        self, client: httpx.AsyncClient, admin: Account, pool: dict[str, Any]
    ) -> None:
        lp, other = address("lp"), address("lp2")
        steps = [
            pool_event("mint", lp, amount0_in=1000, amount1_in=10, liquidity=100),
            pool_event("mint", other, amount0_in=500, amount1_in=5, liquidity=50),
            pool_event("swap", address("trader"), amount1_in=3, amount0_out=200),
            pool_event("burn", lp, amount0_out=520, amount1_out=8, liquidity=60),
        ]
        for step in steps:
            response = await apply(client, admin, pool, step)
            assert response.status_code == 201, response.text
        assert response.json()["reserve0_after"] == "780"
        after = (await client.get(f"/v1/pools/{pool['id']}")).json()
        assert (after["reserve0"], after["reserve1"], after["total_liquidity"]) == (
            "780",
            "10",
            "90",
        )
        assert after["positions"] == [
            {"owner": other, "liquidity": "50", "share": "55.5556"},
            {"owner": lp, "liquidity": "40", "share": "44.4444"},
        ]
        assert after["position_count"] == 2

    async def test_burning_more_than_a_position_holds_is_refused(
        self, client: httpx.AsyncClient, admin: Account, pool: dict[str, Any]
    ) -> None:
        lp = address("lp")
        await apply(
            client, admin, pool, pool_event("mint", lp, amount0_in=9, amount1_in=9, liquidity=3)
        )
        refused = await apply(
            client, admin, pool, pool_event("burn", lp, amount0_out=1, amount1_out=1, liquidity=4)
        )
        drained = await apply(
            client, admin, pool, pool_event("swap", None, amount1_in=1, amount0_out=10)
        )
        assert refused.json()["code"] == drained.json()["code"] == "pool_event_refused"
        assert (await client.get(f"/v1/pools/{pool['id']}")).json()["reserve0"] == "9"

    @pytest.mark.parametrize(
        "body",
        [
            {"kind": "swap", "amount0_in": "5"},  # nothing out
            {"kind": "mint", "account": address("a"), "amount0_in": "5"},  # no liquidity
            {"kind": "mint", "amount0_in": "5", "liquidity": "1"},  # whose position?
            {"kind": "burn", "account": address("a"), "amount0_in": "5", "liquidity": "1"},
            {"kind": "swap", "amount0_in": "5.5", "amount1_out": "1"},
        ],
    )
    async def test_events_that_break_their_kind_are_422(
        self, client: httpx.AsyncClient, admin: Account, pool: dict[str, Any], body: dict[str, Any]
    ) -> None:
        assert (await apply(client, admin, pool, {**body, **log()})).status_code == 422

    async def test_a_replay_is_idempotent_and_a_reused_log_conflicts(
        self, client: httpx.AsyncClient, admin: Account, pool: dict[str, Any]
    ) -> None:
        mint = pool_event("mint", address("lp"), amount0_in=10, amount1_in=10, liquidity=10)
        first, again = (
            await apply(client, admin, pool, mint),
            await apply(client, admin, pool, mint),
        )
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        changed = await apply(client, admin, pool, {**mint, "liquidity": "11"})
        assert changed.json()["code"] == "chain_log_conflict"
        assert (await client.get(f"/v1/pools/{pool['id']}")).json()["total_liquidity"] == "10"

    async def test_only_admins_apply_events(
        self, client: httpx.AsyncClient, session: AsyncSession, pool: dict[str, Any]
    ) -> None:
        user = await account(client, session)
        body = pool_event("swap", None, amount0_in=1, amount1_out=1)
        url = f"/v1/admin/pools/{pool['id']}/events"
        assert (await client.post(url, json=body)).status_code == 401
        assert (await client.post(url, json=body, headers=user.headers)).status_code == 403


class TestEventPages:
    async def test_newest_first_by_block_and_log_index_with_a_cursor(
        self, client: httpx.AsyncClient, admin: Account, pool: dict[str, Any]
    ) -> None:
        lp = address("lp")
        positions = [(7000, 1), (7000, 4), (7001, 0)]
        for block, index in positions:
            body = {
                **pool_event("mint", lp, amount0_in=1, amount1_in=1, liquidity=1),
                **log(block, index),
            }
            assert (await apply(client, admin, pool, body)).status_code == 201
        url = f"/v1/pools/{pool['id']}/events"
        first = (await client.get(f"{url}?limit=2")).json()
        rest = (await client.get(f"{url}?limit=2&cursor={first['next_cursor']}")).json()
        seen = [(e["block_number"], e["log_index"]) for e in first["items"] + rest["items"]]
        assert seen == sorted(positions, reverse=True)
        assert rest["next_cursor"] is None
        assert all(isinstance(e["liquidity"], str) for e in first["items"])

    async def test_unknown_pools_are_404_and_empty_pools_have_no_events(
        self, client: httpx.AsyncClient, pool: dict[str, Any]
    ) -> None:
        missing = "00000000-0000-7000-8000-000000000000"
        assert (await client.get(f"/v1/pools/{missing}")).status_code == 404
        assert (await client.get(f"/v1/pools/{missing}/events")).status_code == 404
        empty = (await client.get(f"/v1/pools/{pool['id']}/events")).json()
        assert empty == {"items": [], "next_cursor": None}
