"""Demo revenue: a month of daily reports on every demo track, distributed, idempotent."""

from __future__ import annotations

import random

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import uuid7
from backbeat.royalties.distribution import Planner, distribute_batch
from backbeat.royalties.rights import Policy

DEMO_SUBMITTER = "demo"
DAYS = 30
SOURCES = (("stream", 400), ("download", 150), ("sale", 1200), ("tip", 500))

TRACKS_SQL = """
select t.id, coalesce(max(v.effective_from), t.created_at)
from catalog_tracks t left join catalog_split_versions v on v.track_id = t.id
where t.import_key like 'demo:%' and t.deleted_at is null
group by t.id order by t.id
"""


async def load_royalties_demo(session: AsyncSession) -> list[str]:
    """30 daily reports per demo track (dated when its sheets took effect), then distributed;
    a second run adds nothing and reports the same."""
    exists = await session.execute(
        text("select count(*) from royalties_revenue_events where submitted_by = :who"),
        {"who": DEMO_SUBMITTER},
    )
    if not exists.scalar_one():
        await _insert_month(session)
    planner = Planner(Policy(fee_ppm_by_source={"stream": 100_000}))
    while await distribute_batch(session, planner, 5000):
        pass
    counts = await session.execute(
        text(
            "select count(*), count(*) filter (where status = 'allocated') "
            "from royalties_revenue_events where submitted_by = :who"
        ),
        {"who": DEMO_SUBMITTER},
    )
    total, allocated = counts.one()
    return [f"{total} revenue events over {DAYS} daily reports, {allocated} allocated"]


async def _insert_month(session: AsyncSession) -> None:
    rng = random.Random(5)
    rows = []
    for track_id, at in (await session.execute(text(TRACKS_SQL))).all():
        for day in range(1, DAYS + 1):
            for source, cents in SOURCES:
                if source == "stream" or rng.random() < 0.3:
                    rows.append(_row(track_id, at, day, source, rng.randint(1, cents), rng))
    if rows:
        await session.execute(
            text(
                "insert into royalties_revenue_events (id, submitted_by, idempotency_key, "
                "body_hash, track_id, source, amount, asset, occurred_at, territory, reference) "
                "values (:id, :who, :key, '-', :track, :source, :amount, 'USD', :at, :territory, "
                ":reference)"
            ),
            rows,
        )


def _row(
    track_id: object, at: object, day: int, source: str, amount: int, rng: random.Random
) -> dict[str, object]:
    return {
        "id": uuid7(),
        "who": DEMO_SUBMITTER,
        "key": f"demo:{track_id}:{day}:{source}",
        "track": track_id,
        "source": source,
        "amount": amount,
        "at": at,
        "territory": rng.choice(["US", "GB", "DE", "FR", "BR", "JP"]),
        "reference": f"demo report day {day}",
    }
