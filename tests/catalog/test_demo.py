"""The demo catalog: the seed's counts, deterministic and idempotent."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.demo import load_catalog_demo


async def test_demo_has_the_seed_mix_and_loads_once(session: AsyncSession) -> None:
    first = await load_catalog_demo(session)
    second = await load_catalog_demo(session)
    assert first == second == ["16 artists, 59 tracks, 5 remix chains"]
    tracks = await session.scalar(text("select count(*) from catalog_tracks"))
    edges = await session.scalar(text("select count(*) from catalog_lineage_edges"))
    assert (tracks, edges) == (59, 14)
    rows = await session.execute(
        text(
            "select sample_type, count(*) from catalog_tracks "
            "where import_key like 'demo:%' group by 1"
        )
    )
    mix = {sample_type: count for sample_type, count in rows}
    assert mix == {
        "vocals": 20,
        "beats": 15,
        "full_backing_track": 12,
        "leads_and_tops": 8,
        "instrumental": 4,
    }
    sizes = await session.scalars(
        text(
            "select count(*) from catalog_split_entries e join catalog_split_versions v "
            "on v.id = e.version_id where v.sheet = 'composition' group by v.id"
        )
    )
    assert {1, 4} <= set(sizes) <= {1, 2, 3, 4}
    deepest = await session.scalar(
        text(
            "with recursive up(id, depth) as (select child_id, 1 from catalog_lineage_edges "
            "union all select e.child_id, up.depth + 1 from up "
            "join catalog_lineage_edges e on e.parent_id = up.id) select max(depth) from up"
        )
    )
    assert deepest == 4
    view = await session.scalar(
        text(
            "select count(*) from ip_tracks_with_attribution "
            "where jsonb_array_length(composition_splits) >= 1"
        )
    )
    assert view == 59
