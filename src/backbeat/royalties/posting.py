"""Writing the ledger set-based: accounts by name, COPY of transfers, legs and receipts, and one
aggregated balance upsert per batch, all in the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import uuid7
from backbeat.royalties.accounts import account_kind

COPY_CHUNK = 1 << 20


@dataclass
class AccountCache:
    """(name, asset) → account id; accounts are never deleted, so a cache stays right."""

    ids: dict[tuple[str, str], int] = field(default_factory=dict)

    async def resolve(self, session: AsyncSession, wanted: Iterable[tuple[str, str]]) -> None:
        """Creates missing accounts and loads their ids (one round trip each way)."""
        missing = sorted(set(wanted) - self.ids.keys())
        if not missing:
            return
        kinds = [account_kind(name) for name, _ in missing]
        rows = await session.execute(
            text(
                "with wanted as (select * from unnest(cast(:names as text[]), "
                "cast(:assets as text[]), cast(:kinds as text[]), cast(:payees as uuid[]), "
                "cast(:tracks as uuid[])) as w(name, asset, kind, payee_id, track_id)), "
                "added as (insert into royalties_accounts (name, asset, kind, payee_id, track_id) "
                "select * from wanted order by name, asset on conflict (name, asset) do nothing "
                "returning id, name, asset) "
                "select id, name, asset from added union all "
                "select a.id, a.name, a.asset from royalties_accounts a "
                "join wanted w on w.name = a.name and w.asset = a.asset"
            ),
            {
                "names": [name for name, _ in missing],
                "assets": [asset for _, asset in missing],
                "kinds": [found.kind for found in kinds],
                "payees": [found.payee_id for found in kinds],
                "tracks": [found.track_id for found in kinds],
            },
        )
        for account_id, name, asset in rows.all():
            self.ids[(name, asset)] = account_id
        await self._reload(session, [key for key in missing if key not in self.ids])

    async def _reload(self, session: AsyncSession, raced: list[tuple[str, str]]) -> None:
        """Accounts another transaction created while we waited: visible to a new statement."""
        if not raced:
            return
        rows = await session.execute(
            text(
                "select a.id, a.name, a.asset from royalties_accounts a join unnest("
                "cast(:names as text[]), cast(:assets as text[])) as w(name, asset) "
                "on w.name = a.name and w.asset = a.asset"
            ),
            {"names": [n for n, _ in raced], "assets": [a for _, a in raced]},
        )
        for account_id, name, asset in rows.all():
            self.ids[(name, asset)] = account_id


def new_id() -> str:
    """A time-ordered UUIDv7 as text (the batch engine writes text; this skips uuid objects)."""
    value = uuid7().int
    text_ = f"{value:032x}"
    return f"{text_[:8]}-{text_[8:12]}-{text_[12:16]}-{text_[16:20]}-{text_[20:]}"


@dataclass(frozen=True, slots=True)
class TransferRow:
    """One transfer to write; legs are (account name, amount) in the transfer's asset."""

    id: str
    kind: str
    asset: str
    legs: Sequence[tuple[str, int]]
    event_id: str | None = None
    track_id: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    event_id: str
    revision: int
    transfer_id: str
    plan_id: str
    receipt_hash: str


def _null(value: object) -> str:
    return "\\N" if value is None else str(value)


async def _raw(session: AsyncSession) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under the session, for COPY in the same transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, psycopg.AsyncConnection)
    return driver


async def copy_lines(session: AsyncSession, statement: str, lines: Iterable[str]) -> None:
    """COPY text-format lines (already escaped) in chunks of about a megabyte."""
    driver = await _raw(session)
    async with driver.cursor() as cursor, cursor.copy(statement) as copy:
        buffer: list[str] = []
        size = 0
        for line in lines:
            buffer.append(line)
            size += len(line)
            if size >= COPY_CHUNK:
                await copy.write("".join(buffer))
                buffer, size = [], 0
        if buffer:
            await copy.write("".join(buffer))


async def write_transfers(
    session: AsyncSession,
    transfers: Sequence[TransferRow],
    receipts: Sequence[ReceiptRow] = (),
    accounts: AccountCache | None = None,
) -> dict[int, int]:
    """Transfers, legs, receipts and the balance upsert; returns the balance deltas applied."""
    cache = accounts or AccountCache()
    await cache.resolve(session, ((n, t.asset) for t in transfers for n, _ in t.legs))
    ids = cache.ids
    await copy_lines(
        session,
        "copy royalties_transfers (id, kind, event_id, track_id, source) from stdin",
        (
            f"{t.id}\t{t.kind}\t{_null(t.event_id)}\t{_null(t.track_id)}\t{_null(t.source)}\n"
            for t in transfers
        ),
    )
    deltas: dict[int, int] = defaultdict(int)

    def leg_lines() -> Iterable[str]:
        for transfer in transfers:
            transfer_id, asset = transfer.id, transfer.asset
            for name, amount in transfer.legs:
                account_id = ids[(name, asset)]
                deltas[account_id] += amount
                yield f"{transfer_id}\t{account_id}\t{amount}\n"

    await copy_lines(
        session, "copy royalties_legs (transfer_id, account_id, amount) from stdin", leg_lines()
    )
    if receipts:
        await copy_lines(
            session,
            "copy royalties_receipts (event_id, revision, transfer_id, plan_id, receipt_hash) "
            "from stdin",
            (
                f"{r.event_id}\t{r.revision}\t{r.transfer_id}\t{r.plan_id}\t{r.receipt_hash}\n"
                for r in receipts
            ),
        )
    await add_to_balances(session, deltas)
    return deltas


async def add_to_balances(session: AsyncSession, deltas: dict[int, int]) -> None:
    """One upsert for the batch, in account order so concurrent batches cannot deadlock."""
    changed = sorted((account, amount) for account, amount in deltas.items() if amount)
    if not changed:
        return
    await session.execute(
        text(
            "insert into royalties_balances (account_id, balance) "
            "select a, cast(m as numeric) from unnest(cast(:accounts as bigint[]), "
            "cast(:amounts as text[])) as x(a, m) order by a "
            "on conflict (account_id) do update "
            "set balance = royalties_balances.balance + excluded.balance"
        ),
        {"accounts": [a for a, _ in changed], "amounts": [str(m) for _, m in changed]},
    )


def text_array(values: Iterable[str]) -> str:
    """A PostgreSQL array literal of plain tokens (uuids): cheaper to send than a list."""
    return "{" + ",".join(values) + "}"


def negate(legs: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """The legs of a reversal."""
    return [(name, -amount) for name, amount in legs]
