"""Studio's jobs: auto snapshots after a burst of edits, and Mixx Recall's learning."""

from __future__ import annotations

import uuid
from datetime import timedelta

import procrastinate

from backbeat import jobs
from backbeat.db import session_scope
from backbeat.studio.service import recall, snapshots


@jobs.tasks.task(name=snapshots.AUTO_SNAPSHOT_TASK, pass_context=True, retry=jobs.DEFAULT_RETRY)
async def auto_snapshot_job(context: procrastinate.JobContext, project_id: str) -> int | None:
    """Snapshot the head K minutes after the first edit of a burst; the version, or None."""
    async with session_scope(jobs.database_of(context)) as session:
        taken = await snapshots.take_auto_snapshot(session, uuid.UUID(project_id))
        return taken.version if taken else None


@jobs.tasks.task(name=recall.LEARN_TASK, pass_context=True, retry=jobs.DEFAULT_RETRY)
async def learn_recall_job(context: procrastinate.JobContext, user_id: str) -> int:
    """Fold a user's new observations into their Mixx Recall suggestions."""
    half_life = timedelta(days=jobs.settings_of(context).studio_recall_half_life_days)
    async with session_scope(jobs.database_of(context)) as session:
        return await recall.learn_for_user(session, uuid.UUID(user_id), half_life)
