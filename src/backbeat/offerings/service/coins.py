"""Artist coins: the admin's (and the indexer's) writes, and the public lean reads.

A transfer locks its coin row first, so transfers of one coin apply one at a time, in chain
order, and the supply always equals the sum of the balances (see `coin_balances`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.service.sheets import payee_ids
from backbeat.catalog.shares import InvalidShare, parse_payee
from backbeat.errors import NotFound, Unprocessable
from backbeat.identity.models import uuid7
from backbeat.offerings.coin_balances import Moved, TransferRefused, apply_transfer, set_balance
from backbeat.offerings.coin_errors import (
    ChainLogConflict,
    ChainLogOutOfOrder,
    ChainMirrorAdminOnly,
    CoinExists,
    CoinNotFound,
    CoinTransferRefused,
)
from backbeat.offerings.coin_pages import COIN_KEY, HOLDER_KEY, decode_cursor, page_json
from backbeat.offerings.coin_schemas import (
    ChainLog,
    CoinIn,
    CoinOut,
    CoinTransferIn,
    CoinTransferOut,
    HolderOut,
)
from backbeat.offerings.service.coin_json import (
    coin_json,
    holder_json,
    holders_head,
    transfer_json,
)
from backbeat.reads import Read, ReadSession
from backbeat.royalties.service.access import Principal, is_admin


def check_admin(actor: Principal | None) -> None:
    """`None` is the indexer (a job or the CLI, as the service role); otherwise an admin."""
    if actor is not None and not is_admin(actor):
        raise ChainMirrorAdminOnly("Coins and pools mirror the chain: only admins write them.")


def check_chain_order(last: Any, log: ChainLog) -> None:
    """A new log must come after the last one applied (`last`: its block and log index)."""
    if last.last_block is not None and (last.last_block, last.last_log_index) >= (
        log.block_number,
        log.log_index,
    ):
        raise ChainLogOutOfOrder(
            f"the last log applied is at block {last.last_block}, index {last.last_log_index}"
        )


async def _artist_payee(session: AsyncSession, artist: str) -> uuid.UUID:
    """The catalog payee of `user:<uuid>` (an existing user) or a wallet, made on first use."""
    try:
        ref = parse_payee(artist)
    except InvalidShare as exc:
        raise Unprocessable(str(exc), field="artist") from None
    if ref.user_id is not None and not await session.scalar(
        text("select exists (select 1 from identity_public_profiles where id = :u)"),
        {"u": ref.user_id},
    ):
        raise Unprocessable(f"no user {ref.user_id}", field="artist")
    (payee,) = await payee_ids(session, [ref])
    return payee


async def create_coin(session: AsyncSession, body: CoinIn, *, actor: Principal | None) -> CoinOut:
    """Mirror a deployed coin (supply 0 until its mints are applied)."""
    check_admin(actor)
    payee = await _artist_payee(session, body.artist)
    created = await session.scalar(
        text(
            "insert into offerings_coins (id, artist_payee_id, name, symbol, chain_id, "
            "contract_address, decimals, deployed_block, created_at) values (:id, :payee, :name, "
            ":symbol, :chain, :address, :decimals, :block, clock_timestamp()) "
            "on conflict do nothing returning id"
        ),
        {
            "id": uuid7(),
            "payee": payee,
            "name": body.name,
            "symbol": body.symbol,
            "chain": body.chain_id,
            "address": body.contract_address,
            "decimals": body.decimals,
            "block": body.deployed_block,
        },
    )
    if created is None:
        raise CoinExists("The artist already has a coin, or the contract is another coin's.")
    return await get_coin(session, created)


LockedTable = Literal["offerings_coins", "offerings_pools"]


async def locked(
    session: AsyncSession, table: LockedTable, row_id: uuid.UUID, missing: NotFound
) -> Any:
    """A coin or pool row locked for this transaction, so its logs apply one at a time."""
    row = (
        await session.execute(
            text(f"select * from {table} where id = :id for update"),  # noqa: S608 - a Literal
            {"id": row_id},
        )
    ).first()
    if row is None:
        raise missing
    return row


async def get_coin(session: AsyncSession, coin_id: uuid.UUID) -> CoinOut:
    found = await session.scalar(
        text(f"select {coin_json('c')}::text from offerings_coins c where c.id = :id"),  # noqa: S608
        {"id": coin_id},
    )
    if found is None:
        raise CoinNotFound(f"No coin {coin_id}")
    return CoinOut.model_validate_json(found)


async def _lock_coin(session: AsyncSession, coin_id: uuid.UUID) -> Any:
    return await locked(session, "offerings_coins", coin_id, CoinNotFound(f"No coin {coin_id}"))


async def _balances(
    session: AsyncSession, coin_id: uuid.UUID, addresses: Iterable[str]
) -> dict[str, int]:
    rows = await session.execute(
        text(
            "select address, balance from offerings_coin_holders "
            "where coin_id = :coin and address = any(:addresses) for update"
        ),
        {"coin": coin_id, "addresses": list(addresses)},
    )
    return {row.address: int(row.balance) for row in rows}


STORE = """with moved as (
  select * from unnest(cast(:addresses as text[]), cast(:balances as numeric[])) m(address, balance)
), gone as (
  delete from offerings_coin_holders h using moved m
  where h.coin_id = :coin and h.address = m.address and m.balance = 0
), kept as (
  insert into offerings_coin_holders (coin_id, address, balance)
  select :coin, address, balance from moved where balance > 0
  on conflict (coin_id, address) do update set balance = excluded.balance, updated_at = now()
)
update offerings_coins set total_supply = :supply, holder_count = holder_count + :change,
  last_block = coalesce(:block, last_block), last_log_index = coalesce(:log, last_log_index),
  updated_at = now()
where id = :coin"""
"""The touched balances (zero removes the holder), the supply, the count and the last log applied,
in one statement."""


async def _store(
    session: AsyncSession,
    coin_id: uuid.UUID,
    before: dict[str, int],
    moved: Moved,
    log: ChainLog | None = None,
) -> None:
    joined = sum(1 for a, b in moved.balances.items() if b and not before.get(a))
    left = sum(1 for a, b in moved.balances.items() if not b and before.get(a))
    await session.execute(
        text(STORE),
        {
            "coin": coin_id,
            "addresses": list(moved.balances),
            "balances": [str(b) for b in moved.balances.values()],
            "supply": moved.total_supply,
            "change": joined - left,
            "block": log.block_number if log else None,
            "log": log.log_index if log else None,
        },
    )


async def record_transfer(
    session: AsyncSession, coin_id: uuid.UUID, body: CoinTransferIn, *, actor: Principal | None
) -> tuple[CoinTransferOut, bool]:
    """Apply an ERC-20 Transfer log once: (answer, True) when applied now, (the first answer,
    False) for a replay of the same log."""
    check_admin(actor)
    coin = await _lock_coin(session, coin_id)
    replay = await _replayed_transfer(session, coin_id, body)
    if replay is not None:
        return replay, False
    check_chain_order(coin, body)
    before = await _balances(session, coin_id, {body.sender, body.recipient})
    try:
        moved = apply_transfer(
            before, int(coin.total_supply), body.sender, body.recipient, int(body.amount)
        )
    except TransferRefused as exc:
        raise CoinTransferRefused(str(exc)) from None
    transfer_id = await _insert_transfer(session, coin_id, body)  # claims the log, or raises
    await _store(session, coin_id, before, moved, body)
    return await _transfer(session, transfer_id), True


async def _insert_transfer(
    session: AsyncSession, coin_id: uuid.UUID, body: CoinTransferIn
) -> uuid.UUID:
    inserted = await session.scalar(
        text(
            "insert into offerings_coin_transfers (id, coin_id, sender, recipient, amount, "
            "tx_hash, log_index, block_number, occurred_at) values (:id, :coin, :sender, "
            ":recipient, :amount, :tx, :log, :block, coalesce(:at, now())) "
            "on conflict (tx_hash, log_index) do nothing returning id"
        ),
        {
            "id": uuid7(),
            "coin": coin_id,
            "sender": body.sender,
            "recipient": body.recipient,
            "amount": int(body.amount),
            "tx": body.tx_hash,
            "log": body.log_index,
            "block": body.block_number,
            "at": body.occurred_at,
        },
    )
    if inserted is None:  # the same log was recorded for another coin
        raise ChainLogConflict(f"log {body.tx_hash}#{body.log_index} is another coin's transfer")
    return uuid.UUID(str(inserted))


async def _transfer(session: AsyncSession, transfer_id: uuid.UUID) -> CoinTransferOut:
    found = await session.scalar(
        text(
            f"select {transfer_json('t', 'c')}::text from offerings_coin_transfers t "  # noqa: S608
            "join offerings_coins c on c.id = t.coin_id where t.id = :id"
        ),
        {"id": transfer_id},
    )
    return CoinTransferOut.model_validate_json(str(found))


async def _replayed_transfer(
    session: AsyncSession, coin_id: uuid.UUID, body: CoinTransferIn
) -> CoinTransferOut | None:
    """The first answer for this log, when it was applied already with the same content."""
    found = (
        await session.execute(
            text(
                "select id, coin_id, sender, recipient, amount, block_number "
                "from offerings_coin_transfers where tx_hash = :tx and log_index = :log"
            ),
            {"tx": body.tx_hash, "log": body.log_index},
        )
    ).first()
    if found is None:
        return None
    same = (found.coin_id, found.sender, found.recipient, int(found.amount), found.block_number)
    if same != (coin_id, body.sender, body.recipient, int(body.amount), body.block_number):
        raise ChainLogConflict(f"log {body.tx_hash}#{body.log_index} was recorded differently")
    return await _transfer(session, found.id)


async def set_holder_balance(
    session: AsyncSession,
    coin_id: uuid.UUID,
    address: str,
    balance: int,
    *,
    actor: Principal | None,
) -> HolderOut:
    """Reconcile one holder with the chain's `balanceOf`; the supply follows by the change."""
    check_admin(actor)
    coin = await _lock_coin(session, coin_id)
    before = await _balances(session, coin_id, [address])
    try:
        moved = set_balance(before, int(coin.total_supply), address, balance)
    except TransferRefused as exc:
        raise CoinTransferRefused(str(exc)) from None
    await _store(session, coin_id, before, moved)
    found = await session.scalar(
        text(
            f"select {holder_json('h', 'c')}::text from offerings_coins c "  # noqa: S608
            "cross join lateral (select cast(:a as text) as address, coalesce((select balance "
            "from offerings_coin_holders where coin_id = c.id and address = :a), 0) as balance) h "
            "where c.id = :coin"
        ),
        {"coin": coin_id, "a": address},
    )
    return HolderOut.model_validate_json(str(found))


COINS_READ = Read(f"""select {coin_json("c")}::text, c.created_at::text, c.id::text
from offerings_coins c
where cast(%(after_key)s as timestamptz) is null or (c.created_at, c.id)
      < (cast(%(after_key)s as timestamptz), cast(%(after_id)s as uuid))
order by c.created_at desc, c.id desc limit %(limit)s""")  # noqa: S608
COIN_READ = Read(
    f"select {coin_json('c')}::text from offerings_coins c where c.id = %(id)s"  # noqa: S608
)
HOLDERS_READ = Read(f"""select {holders_head("c")}, {holder_json("h", "c")}::text,
  h.balance::text, h.address
from offerings_coins c left join lateral (
  select * from offerings_coin_holders x
  where x.coin_id = c.id and (cast(%(after_balance)s as numeric) is null
    or x.balance < cast(%(after_balance)s as numeric)
    or (x.balance = cast(%(after_balance)s as numeric) and x.address > %(after_address)s::text))
  order by x.balance desc, x.address limit %(limit)s) h on true
where c.id = %(id)s
order by h.balance desc, h.address""")  # noqa: S608


async def coins_page(read: ReadSession, *, cursor: str | None, limit: int) -> str:
    """Every coin, newest first."""
    after_key, after_id = decode_cursor(cursor, "coins", COIN_KEY)
    rows = await read.rows(COINS_READ, after_key=after_key, after_id=after_id, limit=limit + 1)
    return page_json(rows, limit, "coins")


async def coin(read: ReadSession, coin_id: uuid.UUID) -> str:
    found = await read.one(COIN_READ, id=coin_id)
    if found is None:
        raise CoinNotFound(f"No coin {coin_id}")
    return found


async def holders_page(
    read: ReadSession, coin_id: uuid.UUID, *, cursor: str | None, limit: int
) -> str:
    """A coin's holders, largest balance first (ties by address)."""
    after_balance, after_address = decode_cursor(cursor, "holders", HOLDER_KEY)
    rows = await read.rows(
        HOLDERS_READ,
        id=coin_id,
        after_balance=after_balance,
        after_address=after_address,
        limit=limit + 1,
    )
    if not rows:
        raise CoinNotFound(f"No coin {coin_id}")
    items = [row[1:] for row in rows if row[1] is not None]
    return page_json(items, limit, "holders", head=str(rows[0][0]))
