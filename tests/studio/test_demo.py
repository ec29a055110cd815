"""The studio demo: a project with hundreds of versions, a milestone, presets and recall."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.demo import load_demo_users
from backbeat.studio.demo import DEMO_PROJECT, SAVES, load_studio_demo
from backbeat.studio.service.versions import document_at
from backbeat.studio.session_script import editing_session, project_document


async def test_demo_history_rebuilds_and_loads_once(session: AsyncSession) -> None:
    await load_demo_users(session)
    first = await load_studio_demo(session)
    second = await load_studio_demo(session)
    assert first == second and "301 versions" in first[0]
    history = await session.execute(
        text(
            "select count(*), count(checkpoint), count(distinct author_id) "
            "from studio_project_versions where project_id = :p"
        ),
        {"p": DEMO_PROJECT},
    )
    assert history.one() == (SAVES + 1, 7, 2)  # checkpoints: 1, 50, 100, …, 300
    steps = list(editing_session(project_document(tracks=10, clips=10, points=40), 150))
    assert await document_at(session, DEMO_PROJECT, 151) == steps[-1][1]
    kinds = await session.scalars(
        text("select kind from studio_project_snapshots where project_id = :p"), {"p": DEMO_PROJECT}
    )
    assert "milestone" in set(kinds)
    system = await session.scalar(
        text("select count(*) from studio_plugin_presets where is_system")
    )
    learned = await session.scalar(
        text(
            "select count(*) from studio_recall r join identity_users u on u.id = r.user_id "
            "where u.username = 'nova'"
        )
    )
    assert system == 6 and learned >= 4
