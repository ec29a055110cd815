"""The offerings demo: loaded once, holders paid by the engine, a dividend, and it verifies."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.demo import load_demo
from backbeat.royalties.verify import verify
from tests.conftest import settings_for_tests


async def test_demo_master_sells_pays_holders_and_verifies(
    session: AsyncSession, tmp_path: Path
) -> None:
    settings = settings_for_tests(data_dir=tmp_path)
    first = dict(await load_demo(session, settings))
    again = dict(await load_demo(session, settings))
    assert again["offerings"] == first["offerings"]
    assert "60 shares sold, 1 resold, 30 revenue events" in first["offerings"][0]
    paid = await session.execute(
        text(
            "select count(distinct a.payee_id) from royalties_transfers t "
            "join royalties_legs l on l.transfer_id = t.id "
            "join royalties_accounts a on a.id = l.account_id "
            "join royalties_revenue_events e on e.id = t.event_id "
            "where e.submitted_by = 'demo-offerings' and a.kind = 'payee'"
        )
    )
    assert paid.scalar_one() >= 4  # nova, and mia, leo, kaito as holders
    dividends = await session.execute(text("select count(*) from offerings_dividends"))
    assert dividends.scalar_one() == 1
    report = await verify(session)
    assert report.ok, report.problems[:5]
