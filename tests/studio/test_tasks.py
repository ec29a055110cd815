"""Studio's jobs: a save schedules one auto snapshot; the job snapshots the head once."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.studio.service.snapshots import take_auto_snapshot
from tests.studio.factories import new_project, new_user, patch


class TestAutoSnapshot:
    async def test_a_burst_of_saves_queues_one_job_and_one_snapshot(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        owner = await new_user(client)
        project = await new_project(client, owner)
        for n in range(1, 4):
            ops = [{"op": "add", "path": "/n", "value": n}]
            assert (await patch(client, owner, project["id"], n, ops)).status_code == 200
        waiting = await session.scalar(
            text(
                "select count(*) from procrastinate_jobs "
                "where task_name = 'backbeat:studio.auto_snapshot' "
                "and args ->> 'project_id' = :p and status = 'todo'"
            ),
            {"p": project["id"]},
        )
        assert waiting == 1
        pid = uuid.UUID(project["id"])
        taken = await take_auto_snapshot(session, pid)
        assert taken is not None and (taken.kind, taken.version) == ("auto", 4)
        assert await take_auto_snapshot(session, pid) is None
