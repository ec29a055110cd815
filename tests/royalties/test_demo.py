"""The demo month of revenue: loaded once, distributed, and the ledger verifies."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.demo import load_demo
from backbeat.royalties.verify import verify
from tests.conftest import settings_for_tests


async def test_demo_revenue_is_distributed_and_verifies(
    session: AsyncSession, tmp_path: Path
) -> None:
    settings = settings_for_tests(data_dir=tmp_path)
    first = dict(await load_demo(session, settings))
    again = dict(await load_demo(session, settings))
    assert "allocated" in first["royalties"][0]
    assert again["royalties"] == first["royalties"]
    waiting = await session.execute(
        text("select count(*) from royalties_revenue_events where status = 'accepted'")
    )
    assert waiting.scalar_one() == 0
    paid = await session.execute(
        text(
            "select count(*) from royalties_balances b join royalties_accounts a "
            "on a.id = b.account_id where a.kind = 'payee' and b.balance > 0"
        )
    )
    assert paid.scalar_one() > 3
    report = await verify(session)
    assert report.ok, report.problems[:5]
    assert report.receipts > 1000
