"""Royalties jobs under a real worker: allocation with the worker's settings, periodic restating."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from backbeat import jobs
from backbeat.db import Database, session_scope
from tests.conftest import settings_for_tests
from tests.royalties.factories import (
    EPOCH,
    distribute_all,
    make_event,
    make_sheet,
    make_track,
    make_user,
    user_payee,
)

BALANCE = """
select b.balance from royalties_balances b join royalties_accounts a on a.id = b.account_id
where a.name = :name
"""


async def balance_of(database: Database, name: str) -> int:
    async with session_scope(database) as session:
        found = await session.scalar(text(BALANCE), {"name": name})
    return int(found or 0)


async def test_restate_job_moves_money_to_a_backdated_payee(committed_database: Database) -> None:
    async with session_scope(committed_database) as session:
        owner, heir = await make_user(session), await make_user(session)
        payee, heir_payee = await user_payee(session, owner), await user_payee(session, heir)
        track = await make_track(session, owner)
        for sheet in ("composition", "production"):
            await make_sheet(session, track, sheet, [(payee, 1_000_000)])
        await make_event(session, track, 1000, occurred_at=EPOCH + timedelta(days=2))
        await distribute_all(session)
    async with session_scope(committed_database) as session:
        await make_sheet(
            session, track, "production", [(heir_payee, 1_000_000)], effective_from=EPOCH
        )
        await jobs.enqueue(session, "royalties.restate", {"timestamp": 0})
    assert await balance_of(committed_database, f"payee:{heir_payee.id}") == 0

    await jobs.run_worker(committed_database, wait=False, settings=settings_for_tests())

    assert await balance_of(committed_database, f"payee:{heir_payee.id}") == 500
    assert await balance_of(committed_database, f"payee:{payee.id}") == 500


async def test_distribute_job_allocates_with_the_fees_the_worker_was_started_with(
    committed_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKBEAT_ROYALTY_FEE_PPM", '{"stream": 300000}')  # must not be read
    async with session_scope(committed_database) as session:
        owner = await make_user(session)
        payee = await user_payee(session, owner)
        track = await make_track(session, owner)
        for sheet in ("composition", "production"):
            await make_sheet(session, track, sheet, [(payee, 1_000_000)])
        await make_event(session, track, 1000)
        await jobs.enqueue(session, "royalties.distribute", {})
    settings = settings_for_tests(royalty_fee_ppm={"stream": 100_000})

    await jobs.run_worker(committed_database, wait=False, settings=settings)

    assert await balance_of(committed_database, "platform:fee") == 100
    assert await balance_of(committed_database, f"payee:{payee.id}") == 900
