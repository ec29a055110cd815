"""On a committed database, an indexer that delivers one log several times at once applies it
once: the coin (or pool) row lock serialises them and the later ones answer as replays."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from backbeat.db import Database, session_scope
from backbeat.offerings.coin_chain import ZERO_ADDRESS
from backbeat.offerings.coin_schemas import CoinIn, CoinTransferIn, PoolEventIn, PoolIn
from backbeat.offerings.service import coins, pools
from tests.offerings.coin_factories import address, log

RACERS = 6


async def test_the_same_log_delivered_at_once_applies_once(committed_database: Database) -> None:
    async with session_scope(committed_database) as session:
        body = CoinIn(
            artist=address("race artist"),
            name="Race",
            symbol="RACE",
            chain_id=1,
            contract_address=address("race coin"),
        )
        coin = await coins.create_coin(session, body, actor=None)
        pool_body = PoolIn(
            coin_id=coin.id,
            address=address("race pool"),
            token0=coin.contract_address,
            token1=address("race weth"),
        )
        pool = await pools.create_pool(session, pool_body, actor=None)
    mint = CoinTransferIn(sender=ZERO_ADDRESS, recipient=address("r"), amount="100", **log())
    deposit = PoolEventIn(
        kind="mint", account=address("r"), amount0_in="5", amount1_in="5", liquidity="5", **log()
    )

    async def deliver_transfer() -> bool:
        async with session_scope(committed_database) as session:
            return (await coins.record_transfer(session, coin.id, mint, actor=None))[1]

    async def deliver_event() -> bool:
        async with session_scope(committed_database) as session:
            return (await pools.record_pool_event(session, pool.id, deposit, actor=None))[1]

    applied = await asyncio.gather(*(deliver_transfer() for _ in range(RACERS)))
    deposited = await asyncio.gather(*(deliver_event() for _ in range(RACERS)))
    assert sorted(applied) == sorted(deposited) == [False] * (RACERS - 1) + [True]
    async with session_scope(committed_database) as session:
        state = (
            await session.execute(
                text(
                    "select c.total_supply, l.total_liquidity, l.reserve0 from offerings_coins c "
                    "join offerings_pools l on l.coin_id = c.id where c.id = :c"
                ),
                {"c": coin.id},
            )
        ).one()
    assert tuple(int(v) for v in state) == (100, 5, 5)
