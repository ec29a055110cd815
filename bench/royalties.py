"""Distribute N revenue events (default 1,000,000) over 10,000 tracks, accepted → fully posted.

Three measurements in one run, each on its own copy of the same database (same catalog, same
accepted events, same indexed tables with the same triggers):

* the engine: `royalties.tasks.distribute` (set-based batches, plans compiled once, COPY);
* the physical limit: COPY of exactly the rows the engine wrote (accounts, plans, transfers,
  legs, receipts, balances) plus the same event-status update, in one transaction;
* a straightforward per-event ORM implementation (load rights with ORM queries, `allocate`,
  add rows, update balances, commit per event) on a sample.

`BENCH_ROYALTIES_EVENTS` sets N (e.g. 20000 for a quick run).
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import select

from backbeat.catalog.models import LineageEdge, SplitEntry, SplitVersion
from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.embedded import DatabaseUrls, api_url_for, libpq_uri, sqlalchemy_url
from backbeat.identity.models import uuid7
from backbeat.royalties import tasks
from backbeat.royalties.accounts import account_kind, payee_account, revenue_account
from backbeat.royalties.allocation import allocate
from backbeat.royalties.distribution import policy_from_settings
from backbeat.royalties.models import Account, Balance, Leg, Plan, Receipt, RevenueEvent, Transfer
from backbeat.royalties.plans import plan_id, rights_document
from backbeat.royalties.rights import (
    MONEY_EDGE_KINDS,
    EventInput,
    ParentEdge,
    Sheet,
    SheetEntry,
    TrackRights,
)
from bench.support import migrated_database, ratio_line

TRACKS = 10_000
USERS = 3_000
REMIX_SHARE = 0.30
MAX_CHAIN = 4
ORM_SAMPLE = 1_000
SOURCES = ("stream", "download", "sale", "license", "sync", "tip")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
SETTINGS = Settings(royalty_fee_ppm={"stream": 100_000, "sale": 50_000}, royalty_batch_size=20_000)


def _copy(conn: psycopg.Connection[object], statement: str, lines: list[str]) -> None:
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write("".join(lines))


def build_catalog(owner: str, events: int) -> None:
    """Users, payees, tracks, two sheets each (1–6 payees), 30 % remixes ≤ 4 deep, events."""
    rng = random.Random(7)
    users = [uuid.uuid4() for _ in range(USERS)]
    payees = [uuid.uuid4() for _ in range(USERS)]
    tracks = [uuid.uuid4() for _ in range(TRACKS)]
    with psycopg.connect(owner) as conn:
        _copy(
            conn,
            "copy identity_users (id, username) from stdin",
            [f"{u}\tu{i}_{u.hex[:8]}\n" for i, u in enumerate(users)],
        )
        _copy(
            conn,
            "copy catalog_payees (id, user_id) from stdin",
            [f"{p}\t{u}\n" for p, u in zip(payees, users, strict=True)],
        )
        _copy(
            conn,
            "copy catalog_tracks (id, title, artist, sample_type, created_by) from stdin",
            [f"{t}\tTrack {i}\tArtist\tsong\t{rng.choice(users)}\n" for i, t in enumerate(tracks)],
        )
        versions, entries = [], []
        for track in tracks:
            for sheet in ("composition", "production"):
                version = uuid.uuid4()
                versions.append(f"{version}\t{track}\t{sheet}\t1\t{EPOCH.isoformat()}\tactive\n")
                chosen = rng.sample(payees, rng.randint(1, 6))
                base, extra = divmod(1_000_000, len(chosen))
                for position, payee in enumerate(chosen):
                    share = base + (1 if position < extra else 0)
                    entries.append(f"{version}\t{position}\t{payee}\tother\t{share}\n")
        _copy(
            conn,
            "copy catalog_split_versions (id, track_id, sheet, version, effective_from, "
            "status) from stdin",
            versions,
        )
        _copy(
            conn,
            "copy catalog_split_entries (version_id, position, payee_id, role, share_ppm) "
            "from stdin",
            entries,
        )
        depth = [0] * TRACKS
        edges = []
        for index in range(100, TRACKS):
            if rng.random() < REMIX_SHARE:
                parent = rng.randrange(index)
                if depth[parent] < MAX_CHAIN:
                    depth[index] = depth[parent] + 1
                    edges.append(
                        f"{tracks[index]}\t{tracks[parent]}\tremix\t{rng.randint(50, 500) * 1000}\n"
                    )
        _copy(
            conn,
            "copy catalog_lineage_edges (child_id, parent_id, kind, share_ppm) from stdin",
            edges,
        )
        lines = []
        for n in range(events):
            when = EPOCH + timedelta(seconds=rng.randrange(60 * 86_400))
            lines.append(
                f"{uuid7()}\tbench\tk{n}\t-\t{rng.choice(tracks)}\t{rng.choice(SOURCES)}\t"
                f"{rng.randint(1, 100_000)}\tUSD\t{when.isoformat()}\n"
            )
            if len(lines) == 100_000:
                _copy(conn, EVENTS_COPY, lines)
                lines = []
        _copy(conn, EVENTS_COPY, lines)


EVENTS_COPY = (
    "copy royalties_revenue_events (id, submitted_by, idempotency_key, body_hash, track_id, "
    "source, amount, asset, occurred_at) from stdin"
)
WRITTEN = {
    "royalties_accounts": "id, name, asset, kind, payee_id, track_id",
    "royalties_plans": "id, track_id, fee_ppm, composition_ppm, max_depth, rights, tracks",
    "royalties_transfers": "id, kind, event_id, payout_id, track_id, source",
    "royalties_legs": "transfer_id, account_id, amount",
    "royalties_receipts": "event_id, revision, transfer_id, plan_id, receipt_hash",
    "royalties_balances": "account_id, balance",
}


def clone(urls: DatabaseUrls, name: str) -> DatabaseUrls:
    """A copy of the benchmark database (same rows, indexes and triggers)."""
    with psycopg.connect(urls.owner, autocommit=True) as conn:
        source = conn.execute("select current_database()").fetchone()
        assert source is not None
        conn.execute(f'create database "{name}" template "{source[0]}"')
    owner = libpq_uri(sqlalchemy_url(urls.owner).set(database=name))
    return DatabaseUrls(owner=owner, api=api_url_for(owner))


def run_engine(urls: DatabaseUrls) -> float:
    async def work() -> float:
        database = Database.connect(urls, pool_size=2)
        try:
            started = time.perf_counter()
            await tasks.distribute(database, SETTINGS)
            return time.perf_counter() - started
        finally:
            await database.dispose()

    return asyncio.run(work())


def dump_written(urls: DatabaseUrls, folder: Path) -> None:
    with psycopg.connect(urls.owner) as conn, conn.cursor() as cursor:
        for table, columns in WRITTEN.items():
            with (
                (folder / table).open("wb") as out,
                cursor.copy(f"copy (select {columns} from {table}) to stdout") as copy,
            ):
                for block in copy:
                    out.write(block)
        with (
            (folder / "events").open("wb") as out,
            cursor.copy(
                "copy (select id from royalties_revenue_events "
                "where status = 'allocated') to stdout"
            ) as copy,
        ):
            for block in copy:
                out.write(block)


def copy_written(urls: DatabaseUrls, folder: Path) -> float:
    """The floor: the same rows by COPY, plus the same status update, in one transaction."""
    with psycopg.connect(urls.owner) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        for table, columns in WRITTEN.items():
            with (
                cursor.copy(f"copy {table} ({columns}) from stdin") as copy,
                (folder / table).open("rb") as data,
            ):
                while block := data.read(1 << 20):
                    copy.write(block)
        cursor.execute("create temp table done (id uuid) on commit drop")
        with cursor.copy("copy done (id) from stdin") as copy:
            copy.write((folder / "events").read_bytes())
        cursor.execute(
            "update royalties_revenue_events e set status = 'allocated', revision = 1, "
            "allocated_at = now() from done where e.id = done.id"
        )
        conn.commit()
        return time.perf_counter() - started


# The straightforward per-event ORM implementation ----------------------------------------


async def _orm_sheet(session: object, track: uuid.UUID, kind: str, at: datetime) -> Sheet | None:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    version = await session.scalar(
        select(SplitVersion)
        .where(
            SplitVersion.track_id == track,
            SplitVersion.sheet == kind,
            SplitVersion.status != "pending",
            SplitVersion.effective_from <= at,
        )
        .order_by(SplitVersion.effective_from.desc(), SplitVersion.version.desc())
        .limit(1)
    )
    if version is None:
        return None
    rows = await session.scalars(
        select(SplitEntry).where(SplitEntry.version_id == version.id).order_by(SplitEntry.position)
    )
    return Sheet(
        str(version.id), tuple(SheetEntry(payee_account(e.payee_id), e.share_ppm) for e in rows)
    )


async def _orm_rights(
    session: object, root: uuid.UUID, at: datetime, depth: int
) -> dict[str, TrackRights]:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    rights: dict[str, TrackRights] = {}
    frontier, level = [root], 0
    while frontier and level <= depth:
        following: list[uuid.UUID] = []
        for track in frontier:
            if str(track) in rights:
                continue
            edges = (
                await session.scalars(
                    select(LineageEdge)
                    .where(LineageEdge.child_id == track, LineageEdge.kind.in_(MONEY_EDGE_KINDS))
                    .order_by(LineageEdge.parent_id)
                )
            ).all()
            rights[str(track)] = TrackRights(
                str(track),
                tuple(ParentEdge(str(e.parent_id), e.share_ppm or 0, e.kind) for e in edges),
                await _orm_sheet(session, track, "composition", at),
                await _orm_sheet(session, track, "production", at),
            )
            following.extend(e.parent_id for e in edges)
        frontier, level = following, level + 1
    return rights


async def _orm_account(session: object, name: str, asset: str) -> Account:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    found = await session.scalar(
        select(Account).where(Account.name == name, Account.asset == asset)
    )
    if found is None:
        kind, payee, track = account_kind(name)
        found = Account(name=name, asset=asset, kind=kind, payee_id=payee, track_id=track)
        session.add(found)
        await session.flush()
    return found


async def _orm_one(database: Database, event_id: uuid.UUID) -> None:
    from backbeat.royalties.distribution import EventRow, receipt_hash

    policy = policy_from_settings(SETTINGS)
    async with session_scope(database) as session:
        event = await session.get_one(RevenueEvent, event_id, with_for_update=True)
        rights = await _orm_rights(session, event.track_id, event.occurred_at, policy.max_depth)
        allocation = allocate(
            EventInput(str(event.id), str(event.track_id), event.source, int(event.amount)),
            rights,
            policy,
        )
        document = rights_document(rights)
        fee, comp = policy.fee_ppm(event.source), policy.composition_ppm(event.source)
        pid = plan_id(str(event.track_id), fee, comp, policy.max_depth, document)
        if await session.get(Plan, pid) is None:
            session.add(
                Plan(
                    id=pid,
                    track_id=event.track_id,
                    fee_ppm=fee,
                    composition_ppm=comp,
                    max_depth=policy.max_depth,
                    rights=document,
                    tracks=sorted(document),
                )
            )
        transfer = Transfer(
            id=uuid7(),
            kind="allocation",
            event_id=event.id,
            track_id=event.track_id,
            source=event.source,
        )
        session.add(transfer)
        await session.flush()
        legs = [(revenue_account(event.source), -int(event.amount))] + [
            (c.account, c.amount) for c in allocation.credits
        ]
        for name, amount in legs:
            account = await _orm_account(session, name, event.asset)
            session.add(Leg(transfer_id=transfer.id, account_id=account.id, amount=amount))
            balance = await session.get(Balance, account.id, with_for_update=True)
            if balance is None:
                session.add(Balance(account_id=account.id, balance=amount))
            else:
                balance.balance = int(balance.balance) + amount
        row = EventRow(
            str(event.id),
            str(event.track_id),
            event.source,
            int(event.amount),
            event.asset,
            event.occurred_at,
        )
        credits = [(c.account, c.amount) for c in allocation.credits]
        session.add(
            Receipt(
                event_id=event.id,
                revision=1,
                transfer_id=transfer.id,
                plan_id=pid,
                receipt_hash=receipt_hash(row, 1, pid, credits),
            )
        )
        event.status, event.revision, event.allocated_at = "allocated", 1, datetime.now(UTC)


def run_orm(urls: DatabaseUrls, sample: int) -> tuple[int, float]:
    async def work() -> tuple[int, float]:
        database = Database.connect(urls, pool_size=2)
        try:
            async with session_scope(database) as session:
                ids = list(
                    await session.scalars(
                        select(RevenueEvent.id)
                        .where(RevenueEvent.status == "accepted")
                        .order_by(RevenueEvent.id)
                        .limit(sample)
                    )
                )
            started = time.perf_counter()
            for event_id in ids:
                await _orm_one(database, event_id)
            return len(ids), time.perf_counter() - started
        finally:
            await database.dispose()

    return asyncio.run(work())


def count_rows(urls: DatabaseUrls) -> tuple[int, int]:
    with psycopg.connect(urls.owner) as conn:
        legs = conn.execute("select count(*) from royalties_legs").fetchone()
        done = conn.execute(
            "select count(*) from royalties_revenue_events where status = 'allocated'"
        ).fetchone()
        assert legs and done
        return int(done[0]), int(legs[0])


def run() -> list[str]:
    """Build once, clone twice, measure the engine, the COPY floor and the ORM sample."""
    events = int(os.environ.get("BENCH_ROYALTIES_EVENTS", "1000000"))
    with (
        migrated_database("backbeat_bench_royalties") as urls,
        tempfile.TemporaryDirectory() as tmp,
    ):
        started = time.perf_counter()
        build_catalog(urls.owner, events)
        built = time.perf_counter() - started
        floor_urls, orm_urls = clone(urls, "bench_copy"), clone(urls, "bench_orm")
        engine = run_engine(urls)
        allocated, legs = count_rows(urls)
        assert allocated == events, f"{allocated} of {events} allocated"
        dump_written(urls, Path(tmp))
        floor = copy_written(floor_urls, Path(tmp))
        orm_count, orm_seconds = run_orm(orm_urls, min(ORM_SAMPLE, events))
    engine_rate, floor_rate, orm_rate = events / engine, events / floor, orm_count / orm_seconds
    return [
        f"{events} events over {TRACKS} tracks ({legs} legs); built in {built:.1f} s",
        f"engine (set-based batches)      {engine_rate:10.0f} events/s  ({engine:.1f} s)",
        f"COPY of the same rows           {floor_rate:10.0f} events/s  ({floor:.1f} s)",
        f"per-event ORM ({orm_count} sample)    {orm_rate:10.0f} events/s  ({orm_seconds:.1f} s)",
        ratio_line("engine / COPY floor", engine_rate, floor_rate, 0.5),
        ratio_line("engine / per-event ORM", engine_rate, orm_rate, 50),
    ]
