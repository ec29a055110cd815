"""The services on a real database keep the invariants the pure rules promise, for random logs
(hypothesis): a coin's supply is the sum of its holders' balances and its holder count their
number; a pool's total liquidity is the sum of its positions and its reserves the sum of its
events' amounts. Refused logs change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import Conflict
from backbeat.offerings.coin_chain import ZERO_ADDRESS
from backbeat.offerings.coin_schemas import CoinIn, CoinTransferIn, PoolEventIn, PoolIn
from backbeat.offerings.service import coins, pools
from tests.offerings.coin_factories import address, tx

PEOPLE = [ZERO_ADDRESS, address("p1"), address("p2"), address("p3")]
SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


async def new_coin(session: AsyncSession) -> uuid.UUID:
    seed = uuid.uuid4().hex
    body = CoinIn(
        artist=address(seed), name="Prop", symbol="PROP", chain_id=1, contract_address=address(seed)
    )
    return (await coins.create_coin(session, body, actor=None)).id


async def applies(session: AsyncSession, attempt: Awaitable[object]) -> bool:
    """Apply a log in a savepoint; a refused one (409) is rolled back and changes nothing."""
    try:
        async with session.begin_nested():
            await attempt
    except Conflict:
        return False
    return True


async def one(session: AsyncSession, sql: str, **params: object) -> tuple[int, ...]:
    row = (await session.execute(text(sql), params)).one()
    return tuple(int(v) for v in row)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE), st.integers(0, 50))))
async def test_transfers_keep_the_supply_equal_to_the_balances(
    session: AsyncSession, logs: list[tuple[str, str, int]]
) -> None:
    savepoint = await session.begin_nested()
    try:
        coin_id = await new_coin(session)
        applied = 0
        for n, (sender, recipient, amount) in enumerate(logs):
            body = CoinTransferIn(
                sender=sender,
                recipient=recipient,
                amount=str(amount),
                tx_hash=tx((coin_id, n)),
                log_index=0,
                block_number=n,
            )
            applied += await applies(
                session, coins.record_transfer(session, coin_id, body, actor=None)
            )
            supply, count = await one(
                session,
                "select total_supply, holder_count from offerings_coins where id = :c",
                c=coin_id,
            )
            total, holders, negative = await one(
                session,
                "select coalesce(sum(balance), 0), count(*), count(*) filter (where balance <= 0) "
                "from offerings_coin_holders where coin_id = :c",
                c=coin_id,
            )
            assert (supply, count, negative) == (total, holders, 0)
        assert await one(
            session, "select count(*) from offerings_coin_transfers where coin_id = :c", c=coin_id
        ) == (applied,)
    finally:
        await savepoint.rollback()


KINDS = st.sampled_from(["swap", "mint", "burn"])
SMALL = st.integers(0, 30)


@SETTINGS
@given(st.lists(st.tuples(KINDS, st.sampled_from(PEOPLE[1:]), SMALL, SMALL, SMALL, SMALL, SMALL)))
async def test_pool_events_keep_liquidity_and_reserves_consistent(
    session: AsyncSession, logs: list[tuple[str, str, int, int, int, int, int]]
) -> None:
    savepoint = await session.begin_nested()
    try:
        coin_id = await new_coin(session)
        coin = await coins.get_coin(session, coin_id)
        pool_body = PoolIn(
            coin_id=coin_id,
            address=address(f"pool {coin_id}"),
            token0=coin.contract_address,
            token1=address("weth"),
        )
        pool_id = (await pools.create_pool(session, pool_body, actor=None)).id
        applied = 0
        for n, (kind, owner, in0, in1, out0, out1, liquidity) in enumerate(logs):
            try:  # a log that breaks its kind is a 422 before it reaches the service
                body = PoolEventIn(
                    kind=kind,
                    account=owner,
                    amount0_in=str(in0),
                    amount1_in=str(in1),
                    amount0_out=str(out0),
                    amount1_out=str(out1),
                    liquidity=str(liquidity),
                    tx_hash=tx((pool_id, n)),
                    log_index=n,
                    block_number=1,
                )
            except ValidationError:
                continue
            applied += await applies(
                session, pools.record_pool_event(session, pool_id, body, actor=None)
            )
            r0, r1, liquid, count = await one(
                session,
                "select reserve0, reserve1, total_liquidity, position_count "
                "from offerings_pools where id = :p",
                p=pool_id,
            )
            summed = await one(
                session,
                "select coalesce(sum(amount0_in - amount0_out), 0), "
                "coalesce(sum(amount1_in - amount1_out), 0) "
                "from offerings_pool_events where pool_id = :p",
                p=pool_id,
            )
            positions = await one(
                session,
                "select coalesce(sum(liquidity), 0), count(*) from offerings_pool_positions "
                "where pool_id = :p",
                p=pool_id,
            )
            assert (r0, r1) == summed and (liquid, count) == positions
        assert await one(
            session, "select count(*) from offerings_pool_events where pool_id = :p", p=pool_id
        ) == (applied,)
    finally:
        await savepoint.rollback()
