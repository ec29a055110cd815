"""Demo coins: Nova's artist coin with a few holders, and its NOVA/WETH pool with a few events."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.offerings.coin_chain import ZERO_ADDRESS, checksummed
from backbeat.offerings.coin_schemas import CoinIn, CoinTransferIn, PoolEventIn, PoolIn
from backbeat.offerings.service import coins, pools

CHAIN_ID = 8453  # Base
TOKEN = 10**18  # one whole coin in units (18 decimals)
START = datetime(2026, 11, 2, 12, tzinfo=UTC)
HOLDERS = (("fan one", 120_000), ("fan two", 45_000), ("fan three", 8_000))
"""Who Nova sends coins to after the mint of 1,000,000 (whole coins)."""
EVENTS = (
    (
        "mint",
        "nova",
        {"amount0_in": 200_000 * TOKEN, "amount1_in": 50 * TOKEN, "liquidity": 100 * TOKEN},
    ),
    ("swap", "fan one", {"amount1_in": 2 * TOKEN, "amount0_out": 7_600 * TOKEN}),
    ("swap", "fan two", {"amount0_in": 3_000 * TOKEN, "amount1_out": TOKEN // 2}),
    (
        "mint",
        "fan three",
        {"amount0_in": 19_500 * TOKEN, "amount1_in": 5 * TOKEN, "liquidity": 10 * TOKEN},
    ),
    (
        "burn",
        "nova",
        {"amount0_out": 21_000 * TOKEN, "amount1_out": 5 * TOKEN, "liquidity": 10 * TOKEN},
    ),
)


def demo_address(seed: str) -> str:
    return checksummed("0x" + hashlib.sha256(f"backbeat demo {seed}".encode()).hexdigest()[:40])


def _log(n: int) -> dict[str, object]:
    digest = hashlib.sha256(f"backbeat demo log {n}".encode()).hexdigest()
    return {
        "tx_hash": "0x" + digest,
        "log_index": 0,
        "block_number": 22_000_000 + n * 1_800,
        "occurred_at": START + timedelta(hours=n),
    }


async def load_coins_demo(session: AsyncSession) -> list[str]:
    """Nova's coin, its holders and pool; skipped when Nova has a coin already (or no account)."""
    nova = await session.scalar(text("select id from identity_users where username = 'nova'"))
    if nova is None:
        return ["no demo artist 'nova': load the identity demo first"]
    exists = await session.scalar(
        text(
            "select c.id from offerings_coins c join catalog_payees p "
            "on p.id = c.artist_payee_id where p.user_id = :u"
        ),
        {"u": nova},
    )
    if exists is None:
        await _load(session, f"user:{nova}")
    coin = (
        await session.execute(
            text(
                "select c.symbol, c.total_supply, c.holder_count, count(e.id) as events "
                "from offerings_coins c join catalog_payees p on p.id = c.artist_payee_id "
                "join offerings_pools l on l.coin_id = c.id "
                "left join offerings_pool_events e on e.pool_id = l.id "
                "where p.user_id = :u group by c.id"
            ),
            {"u": nova},
        )
    ).one()
    supply = f"{int(coin.total_supply) // TOKEN:,}"
    return [
        f"{coin.symbol}: {supply} coins, {coin.holder_count} holders, {coin.events} pool events"
    ]


async def _load(session: AsyncSession, artist: str) -> None:
    body = CoinIn(
        artist=artist,
        name="Nova Coin",
        symbol="NOVA",
        chain_id=CHAIN_ID,
        contract_address=demo_address("nova coin"),
        deployed_block=22_000_000,
    )
    coin = await coins.create_coin(session, body, actor=None)
    nova = demo_address("nova")
    sends = [(ZERO_ADDRESS, nova, 1_000_000)] + [(nova, demo_address(f), n) for f, n in HOLDERS]
    for n, (sender, recipient, whole) in enumerate(sends, start=1):
        transfer = CoinTransferIn(
            sender=sender, recipient=recipient, amount=str(whole * TOKEN), **_log(n)
        )
        await coins.record_transfer(session, coin.id, transfer, actor=None)
    pool_body = PoolIn(
        coin_id=coin.id,
        address=demo_address("nova weth pool"),
        token0=coin.contract_address,
        token1=demo_address("weth"),
    )
    pool = await pools.create_pool(session, pool_body, actor=None)
    for n, (kind, who, amounts) in enumerate(EVENTS, start=len(sends) + 1):
        event = PoolEventIn(
            kind=kind,
            account=demo_address(who),
            **{name: str(value) for name, value in amounts.items()},
            **_log(n),
        )
        await pools.record_pool_event(session, pool.id, event, actor=None)
