"""Row-level security of coins and pools, attacked in SQL: everyone reads every mirror; only an
admin (a session, or a token carrying the `admin` scope) writes; applied logs are append-only."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.offerings.coin_factories import address, tx
from tests.rls import acting_as, make_user

TABLES = (
    "offerings_coins",
    "offerings_coin_holders",
    "offerings_coin_transfers",
    "offerings_pools",
    "offerings_pool_positions",
    "offerings_pool_events",
)
ADMIN = {"app_role": "admin", "token_kind": "access"}
ADMIN_TOKEN = {"app_role": "admin", "token_kind": "personal_access", "scopes": ["admin"]}
ADMIN_TOKEN_WITHOUT_SCOPE = {"app_role": "admin", "token_kind": "personal_access", "scopes": []}
NEW_COIN = (
    "insert into offerings_coins (id, artist_payee_id, name, symbol, chain_id, contract_address, "
    "decimals) values (gen_random_uuid(), catalog_payee_id(null, :wallet), 'X', 'X', 1, :a, 18)"
)


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, Any]:
    coin, pool, holder = uuid.uuid4(), uuid.uuid4(), address("holder")
    params = {
        "c": coin,
        "p": pool,
        "h": holder,
        "t0": address("t0"),
        "w": address("weth"),
        "tx1": tx(1),
        "tx2": tx(2),
    }
    for statement in (
        "insert into offerings_coins (id, artist_payee_id, name, symbol, chain_id, "
        "contract_address, decimals, total_supply, holder_count) values (:c, "
        "catalog_payee_id(null, :h), 'Rls', 'RLS', 1, :t0, 18, 5, 1)",
        "insert into offerings_coin_holders (coin_id, address, balance) values (:c, :h, 5)",
        "insert into offerings_coin_transfers (id, coin_id, sender, recipient, amount, tx_hash, "
        "log_index, block_number) values (gen_random_uuid(), :c, :h, :h, 0, :tx1, 0, 1)",
        "insert into offerings_pools (id, coin_id, chain_id, address, token0, token1) "
        "values (:p, :c, 1, :w, :t0, :w)",
        "insert into offerings_pool_positions (pool_id, owner, liquidity) values (:p, :h, 1)",
        "insert into offerings_pool_events (id, pool_id, kind, account, amount0_in, amount1_in, "
        "amount0_out, amount1_out, liquidity, reserve0_after, reserve1_after, tx_hash, "
        "log_index, block_number) values (gen_random_uuid(), :p, 'mint', :h, 1, 1, 0, 0, 1, "
        "1, 1, :tx2, 0, 1)",
    ):
        await session.execute(text(statement), params)
    return {"coin": coin, "pool": pool, "holder": holder, "user": await make_user(session, "crls")}


async def refused(session: AsyncSession, sql: str, match: str, **params: Any) -> None:
    with pytest.raises(DBAPIError, match=match):
        async with session.begin_nested():
            await session.execute(text(sql), params)


class TestReads:
    @pytest.mark.parametrize("table", TABLES)
    async def test_anyone_reads_every_mirror(
        self, session: AsyncSession, world: dict[str, Any], table: str
    ) -> None:
        async with acting_as(session):
            assert await session.scalar(text(f"select count(*) from {table}")) == 1  # noqa: S608
        async with acting_as(session, world["user"], app_role="user"):
            assert await session.scalar(text(f"select count(*) from {table}")) == 1  # noqa: S608


class TestWrites:
    async def test_a_user_writes_nothing(
        self, session: AsyncSession, world: dict[str, Any]
    ) -> None:
        async with acting_as(session, world["user"], app_role="user"):
            await refused(
                session, NEW_COIN, "row-level security", wallet=address("w"), a=address("a")
            )
            for table in ("offerings_coins", "offerings_coin_holders", "offerings_pools"):
                await session.execute(text(f"update {table} set updated_at = now()"))  # noqa: S608
                await session.execute(text(f"delete from {table}"))  # noqa: S608
        counts = [await session.scalar(text(f"select count(*) from {t}")) for t in TABLES]  # noqa: S608
        assert counts == [1] * len(TABLES)  # the updates and deletes saw no row to touch

    async def test_anonymous_callers_may_not_write(
        self, session: AsyncSession, world: dict[str, Any]
    ) -> None:
        async with acting_as(session):
            await refused(session, "delete from offerings_coin_holders", "permission denied")

    @pytest.mark.parametrize(
        ("claims", "allowed"),
        [(ADMIN, True), (ADMIN_TOKEN, True), (ADMIN_TOKEN_WITHOUT_SCOPE, False)],
    )
    async def test_an_admin_writes_and_an_admins_token_needs_the_scope(
        self, session: AsyncSession, world: dict[str, Any], claims: dict[str, Any], allowed: bool
    ) -> None:
        params = {"wallet": address(f"w{allowed}"), "a": address(f"a{allowed}")}
        async with acting_as(session, world["user"], **claims):
            if allowed:
                await session.execute(text(NEW_COIN), params)
                await session.execute(
                    text("update offerings_coin_holders set balance = 9 where coin_id = :c"),
                    {"c": world["coin"]},
                )
            else:
                await refused(session, NEW_COIN, "row-level security", **params)
        balance = await session.scalar(text("select balance from offerings_coin_holders"))
        assert balance == (9 if allowed else 5)

    @pytest.mark.parametrize("table", ["offerings_coin_transfers", "offerings_pool_events"])
    async def test_applied_logs_are_append_only_even_for_admins(
        self, session: AsyncSession, world: dict[str, Any], table: str
    ) -> None:
        async with acting_as(session, world["user"], **ADMIN):
            await refused(session, f"update {table} set block_number = 2", "permission denied")  # noqa: S608
            await refused(session, f"delete from {table}", "permission denied")  # noqa: S608
