"""`python -m bench coins`: how fast an indexer can apply coin and pool logs through the services.

BENCH_COIN_LOGS (default 10,000) ERC-20 Transfer logs and as many pool logs (a cycle of mints,
swaps and burns by a few LPs) are applied through `coins.record_transfer` and
`pools.record_pool_event` in transactions of BENCH_COIN_BATCH (1,000), as the indexer will (the
service role: no RLS). Each applied log locks its coin or pool, checks replay and chain order,
moves balances or reserves and positions, and answers its JSON. The baseline is the floor: the
same log rows appended with plain psycopg `executemany` in the same transactions (no lock, no
check, no state). Then the whole pool batch is delivered again: replays change nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from collections.abc import Awaitable, Callable

import psycopg
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.db import Database, session_scope
from backbeat.embedded import DatabaseUrls
from backbeat.offerings.coin_chain import ZERO_ADDRESS, checksummed
from backbeat.offerings.coin_schemas import CoinIn, CoinTransferIn, PoolEventIn, PoolIn
from backbeat.offerings.service import coins, pools
from bench.support import migrated_database, ratio_line

LOGS = int(os.environ.get("BENCH_COIN_LOGS", "10000"))
BATCH = int(os.environ.get("BENCH_COIN_BATCH", "1000"))
PEOPLE = 50


def address(seed: str) -> str:
    return checksummed("0x" + hashlib.sha256(seed.encode()).hexdigest()[:40])


def log(kind: str, n: int) -> dict[str, object]:
    return {
        "tx_hash": "0x" + hashlib.sha256(f"{kind} {n}".encode()).hexdigest(),
        "log_index": 0,
        "block_number": n,
    }


def transfers() -> list[CoinTransferIn]:
    """A mint to everyone, then transfers around the circle of holders."""
    people = [address(f"holder {i}") for i in range(PEOPLE)]
    made = [
        CoinTransferIn(sender=ZERO_ADDRESS, recipient=p, amount=str(10**24), **log("mint", i))
        for i, p in enumerate(people)
    ]
    for n in range(len(made), LOGS):
        sender, recipient = people[n % PEOPLE], people[(n * 7 + 1) % PEOPLE]
        made.append(
            CoinTransferIn(sender=sender, recipient=recipient, amount=str(n), **log("move", n))
        )
    return made


def pool_events() -> list[PoolEventIn]:
    """Each LP mints, a trader swaps both ways, the LP burns half: reserves never run dry."""
    cycle = [
        ("mint", {"amount0_in": 10**21, "amount1_in": 10**18, "liquidity": 10**19}),
        ("swap", {"amount0_in": 10**18, "amount1_out": 10**15}),
        ("swap", {"amount1_in": 10**15, "amount0_out": 10**18}),
        ("burn", {"amount0_out": 5 * 10**20, "amount1_out": 5 * 10**17, "liquidity": 5 * 10**18}),
    ]
    made = []
    for n in range(LOGS):
        kind, amounts = cycle[n % len(cycle)]
        made.append(
            PoolEventIn(
                kind=kind,
                account=address(f"lp {n // len(cycle) % PEOPLE}"),
                **{name: str(value) for name, value in amounts.items()},
                **log("pool", n),
            )
        )
    return made


async def setup(database: Database) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Two coins (one for the service, one for the floor) and a pool of the first."""
    async with session_scope(database) as session:
        made = []
        for name in ("Bench", "Floor"):
            body = CoinIn(
                artist=address(f"artist {name}"),
                name=name,
                symbol=name.upper(),
                chain_id=1,
                contract_address=address(f"coin {name}"),
            )
            made.append((await coins.create_coin(session, body, actor=None)).id)
        pool_body = PoolIn(
            coin_id=made[0],
            address=address("pool"),
            token0=(await coins.get_coin(session, made[0])).contract_address,
            token1=address("weth"),
        )
        pool = (await pools.create_pool(session, pool_body, actor=None)).id
    return made[0], made[1], pool


async def through_services(
    database: Database, apply: Callable[[AsyncSession, int], Awaitable[object]]
) -> float:
    """Seconds to apply LOGS logs, BATCH per transaction."""
    started = time.perf_counter()
    for first in range(0, LOGS, BATCH):
        async with session_scope(database) as session:
            for n in range(first, min(first + BATCH, LOGS)):
                await apply(session, n)
    return time.perf_counter() - started


def floor(owner: str, coin: uuid.UUID, rows: list[CoinTransferIn]) -> float:
    """Seconds to append the same transfer rows with executemany, BATCH per transaction."""
    sql = (
        "insert into offerings_coin_transfers (id, coin_id, sender, recipient, amount, tx_hash, "
        "log_index, block_number) values (gen_random_uuid(), %s, %s, %s, %s, %s, %s, %s)"
    )
    started = time.perf_counter()
    with psycopg.connect(owner) as conn:
        for first in range(0, LOGS, BATCH):
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(
                    sql,
                    [
                        (
                            coin,
                            r.sender,
                            r.recipient,
                            int(r.amount),
                            "0x" + r.tx_hash[3:] + "f",
                            r.log_index,
                            r.block_number,
                        )
                        for r in rows[first : first + BATCH]
                    ],
                )
    return time.perf_counter() - started


async def measure(database: Database, owner: str) -> list[str]:
    coin, floor_coin, pool = await setup(database)
    moves, events = transfers(), pool_events()

    async def transfer(session: AsyncSession, n: int) -> object:
        return await coins.record_transfer(session, coin, moves[n], actor=None)

    async def event(session: AsyncSession, n: int) -> object:
        return await pools.record_pool_event(session, pool, events[n], actor=None)

    ours_transfers = await through_services(database, transfer)
    ours_events = await through_services(database, event)
    replays = await through_services(database, event)
    bare = await asyncio.to_thread(floor, owner, floor_coin, moves)
    return [
        f"{LOGS:,} transfers through the service: {LOGS / ours_transfers:,.0f} logs/s",
        f"{LOGS:,} pool events through the service: {LOGS / ours_events:,.0f} logs/s",
        f"the same {LOGS:,} pool events replayed: {LOGS / replays:,.0f} logs/s (no change)",
        f"floor, {LOGS:,} transfer rows by executemany: {LOGS / bare:,.0f} rows/s",
        ratio_line("transfers applied vs rows appended", LOGS / ours_transfers, LOGS / bare),
        ratio_line("pool events applied vs rows appended", LOGS / ours_events, LOGS / bare),
    ]


async def measured(urls: DatabaseUrls) -> list[str]:
    database = Database.connect(urls, pool_size=2)
    try:
        return await measure(database, urls.owner)
    finally:
        await database.dispose()


def run() -> list[str]:
    with migrated_database("backbeat_bench_coins") as urls:
        return asyncio.run(measured(urls))
