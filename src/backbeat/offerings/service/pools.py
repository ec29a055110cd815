"""Liquidity pools of artist coins: the admin's (and the indexer's) writes, and the lean reads.

Applying an event locks the pool row, checks chain order and idempotency, then moves reserves,
the owner's position and the total liquidity together in the caller's one transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import uuid7
from backbeat.offerings.coin_errors import (
    ChainLogConflict,
    CoinNotFound,
    PoolEventRefused,
    PoolExists,
    PoolNotFound,
    PoolNotOfCoin,
)
from backbeat.offerings.coin_pages import EVENT_KEY, decode_cursor, page_json
from backbeat.offerings.coin_schemas import ChainLog, PoolEventIn, PoolEventOut, PoolIn, PoolOut
from backbeat.offerings.pool_reserves import EventRefused, PoolState, apply_event
from backbeat.offerings.service.coin_json import event_json, pool_json
from backbeat.offerings.service.coins import check_admin, check_chain_order, locked
from backbeat.reads import Read, ReadSession
from backbeat.royalties.service.access import Principal

AMOUNTS = ("amount0_in", "amount1_in", "amount0_out", "amount1_out", "liquidity")


async def create_pool(session: AsyncSession, body: PoolIn, *, actor: Principal | None) -> PoolOut:
    """Mirror a pool of a coin (on the coin's chain; one of its tokens is the coin)."""
    check_admin(actor)
    coin = (
        await session.execute(
            text("select chain_id, contract_address from offerings_coins where id = :id"),
            {"id": body.coin_id},
        )
    ).first()
    if coin is None:
        raise CoinNotFound(f"No coin {body.coin_id}", field="coin_id")
    if coin.contract_address not in (body.token0, body.token1):
        raise PoolNotOfCoin(f"neither token is the coin's contract {coin.contract_address}")
    created = await session.scalar(
        text(
            "insert into offerings_pools (id, coin_id, chain_id, address, token0, token1) "
            "values (:id, :coin, :chain, :address, :t0, :t1) on conflict do nothing returning id"
        ),
        {
            "id": uuid7(),
            "coin": body.coin_id,
            "chain": coin.chain_id,
            "address": body.address,
            "t0": body.token0,
            "t1": body.token1,
        },
    )
    if created is None:
        raise PoolExists(f"A pool at {body.address} exists on chain {coin.chain_id}.")
    return await get_pool(session, created)


async def get_pool(session: AsyncSession, pool_id: uuid.UUID) -> PoolOut:
    found = await session.scalar(
        text(f"select {pool_json('l')}::text from offerings_pools l where l.id = :id"),  # noqa: S608
        {"id": pool_id},
    )
    if found is None:
        raise PoolNotFound(f"No pool {pool_id}")
    return PoolOut.model_validate_json(found)


async def _lock_pool(session: AsyncSession, pool_id: uuid.UUID) -> Any:
    return await locked(session, "offerings_pools", pool_id, PoolNotFound(f"No pool {pool_id}"))


async def record_pool_event(
    session: AsyncSession, pool_id: uuid.UUID, body: PoolEventIn, *, actor: Principal | None
) -> tuple[PoolEventOut, bool]:
    """Apply a Swap, Mint or Burn log once: (answer, True) when applied now, (the first answer,
    False) for a replay of the same log."""
    check_admin(actor)
    pool = await _lock_pool(session, pool_id)
    replay = await _replayed_event(session, pool_id, body)
    if replay is not None:
        return replay, False
    check_chain_order(pool, body)
    position = 0 if body.kind == "swap" else await _position(session, pool_id, body.account)
    state = PoolState(int(pool.reserve0), int(pool.reserve1), int(pool.total_liquidity))
    try:
        after, owned = apply_event(state, position, body.amounts())
    except EventRefused as exc:
        raise PoolEventRefused(str(exc)) from None
    event_id = await _insert_event(session, pool_id, body, after)  # claims the log, or raises
    owner = None if body.kind == "swap" else body.account  # a swap moves no liquidity
    await _store(session, pool_id, body, after, owner, (position, owned))
    return await _event(session, event_id), True


async def _position(session: AsyncSession, pool_id: uuid.UUID, owner: str | None) -> int:
    found = await session.scalar(
        text(
            "select liquidity from offerings_pool_positions "
            "where pool_id = :pool and owner = :owner for update"
        ),
        {"pool": pool_id, "owner": owner},
    )
    return int(found or 0)


STORE = """with gone as (
  delete from offerings_pool_positions
  where pool_id = :pool and owner = :owner and cast(:liquidity as numeric) = 0
), kept as (
  insert into offerings_pool_positions (pool_id, owner, liquidity)
  select :pool, :owner, :liquidity
  where cast(:owner as text) is not null and cast(:liquidity as numeric) > 0
  on conflict (pool_id, owner) do update set liquidity = excluded.liquidity, updated_at = now()
)
update offerings_pools set reserve0 = :r0, reserve1 = :r1, total_liquidity = :total,
  position_count = position_count + :change, last_block = :block, last_log_index = :log,
  updated_at = now()
where id = :pool"""
"""The owner's position (zero removes it), the reserves, the liquidity, the position count and
the last log applied, in one statement."""


async def _store(
    session: AsyncSession,
    pool_id: uuid.UUID,
    log: ChainLog,
    after: PoolState,
    owner: str | None,
    position: tuple[int, int],
) -> None:
    before, owned = position
    await session.execute(
        text(STORE),
        {
            "pool": pool_id,
            "owner": owner,
            "liquidity": owned,
            "r0": after.reserve0,
            "r1": after.reserve1,
            "total": after.total_liquidity,
            "change": (owned > 0) - (before > 0) if owner else 0,
            "block": log.block_number,
            "log": log.log_index,
        },
    )


async def _insert_event(
    session: AsyncSession, pool_id: uuid.UUID, body: PoolEventIn, after: PoolState
) -> uuid.UUID:
    inserted = await session.scalar(
        text(
            "insert into offerings_pool_events (id, pool_id, kind, account, amount0_in, "
            "amount1_in, amount0_out, amount1_out, liquidity, reserve0_after, reserve1_after, "
            "tx_hash, log_index, block_number, occurred_at) values (:id, :pool, :kind, "
            ":account, :amount0_in, :amount1_in, :amount0_out, :amount1_out, :liquidity, :r0, "
            ":r1, :tx, :log, :block, coalesce(:at, now())) "
            "on conflict (tx_hash, log_index) do nothing returning id"
        ),
        {
            "id": uuid7(),
            "pool": pool_id,
            "kind": body.kind,
            "account": body.account,
            **{name: int(getattr(body, name)) for name in AMOUNTS},
            "r0": after.reserve0,
            "r1": after.reserve1,
            "tx": body.tx_hash,
            "log": body.log_index,
            "block": body.block_number,
            "at": body.occurred_at,
        },
    )
    if inserted is None:  # the same log was recorded for another pool
        raise ChainLogConflict(f"log {body.tx_hash}#{body.log_index} is another pool's event")
    return uuid.UUID(str(inserted))


async def _event(session: AsyncSession, event_id: uuid.UUID) -> PoolEventOut:
    found = await session.scalar(
        text(f"select {event_json('e')}::text from offerings_pool_events e where e.id = :id"),  # noqa: S608
        {"id": event_id},
    )
    return PoolEventOut.model_validate_json(str(found))


async def _replayed_event(
    session: AsyncSession, pool_id: uuid.UUID, body: PoolEventIn
) -> PoolEventOut | None:
    """The first answer for this log, when it was applied already with the same content."""
    found = (
        await session.execute(
            text(
                "select id, pool_id, kind, account, block_number, "  # noqa: S608
                f"{', '.join(AMOUNTS)} from offerings_pool_events "
                "where tx_hash = :tx and log_index = :log"
            ),
            {"tx": body.tx_hash, "log": body.log_index},
        )
    ).first()
    if found is None:
        return None
    recorded = (found.pool_id, found.kind, found.account, found.block_number)
    amounts = tuple(int(getattr(found, name)) for name in AMOUNTS)
    asked = tuple(int(getattr(body, name)) for name in AMOUNTS)
    if (recorded, amounts) != ((pool_id, body.kind, body.account, body.block_number), asked):
        raise ChainLogConflict(f"log {body.tx_hash}#{body.log_index} was recorded differently")
    return await _event(session, found.id)


POOL_READ = Read(
    f"select {pool_json('l')}::text from offerings_pools l where l.id = %(id)s"  # noqa: S608
)
EVENTS_READ = Read(f"""select e.item, e.block_number, e.log_index
from offerings_pools l left join lateral (
  select {event_json("x")}::text as item, x.block_number, x.log_index
  from offerings_pool_events x
  where x.pool_id = l.id and (cast(%(after_block)s as bigint) is null
    or (x.block_number, x.log_index)
       < (cast(%(after_block)s as bigint), cast(%(after_log)s as integer)))
  order by x.block_number desc, x.log_index desc limit %(limit)s) e on true
where l.id = %(id)s
order by e.block_number desc, e.log_index desc""")  # noqa: S608


async def pool(read: ReadSession, pool_id: uuid.UUID) -> str:
    found = await read.one(POOL_READ, id=pool_id)
    if found is None:
        raise PoolNotFound(f"No pool {pool_id}")
    return found


async def events_page(
    read: ReadSession, pool_id: uuid.UUID, *, cursor: str | None, limit: int
) -> str:
    """A pool's swaps, mints and burns, newest (latest on chain) first."""
    after_block, after_log = decode_cursor(cursor, "events", EVENT_KEY)
    rows = await read.rows(
        EVENTS_READ, id=pool_id, after_block=after_block, after_log=after_log, limit=limit + 1
    )
    if not rows:
        raise PoolNotFound(f"No pool {pool_id}")
    return page_json([row for row in rows if row[0] is not None], limit, "events")
