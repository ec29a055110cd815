"""The coins demo: Nova's coin with holders whose balances sum to its supply, a pool with
events; a second load adds nothing."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.demo import load_demo_users
from backbeat.offerings.coin_demo import load_coins_demo


async def test_demo_loads_a_coin_and_a_pool_once(session: AsyncSession) -> None:
    await load_demo_users(session)
    first = await load_coins_demo(session)
    assert first == ["NOVA: 1,000,000 coins, 4 holders, 5 pool events"]
    supply, balances = (
        await session.execute(
            text(
                "select c.total_supply, (select sum(balance) from offerings_coin_holders h "
                "where h.coin_id = c.id) from offerings_coins c where c.symbol = 'NOVA'"
            )
        )
    ).one()
    assert supply == balances
    positions = await session.scalar(text("select count(*) from offerings_pool_positions"))
    assert positions == 2
    assert await load_coins_demo(session) == first
