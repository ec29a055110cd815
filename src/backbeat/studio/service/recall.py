"""Mixx Recall: observations recorded by saves and preset use, learned by a job, shown to the user
with their evidence; pinning and forgetting."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.identity.models import User
from backbeat.studio import recall as learning
from backbeat.studio.errors import SuggestionNotFound
from backbeat.studio.models import RecallObservation, RecallSuggestion

LEARN_TASK = "studio.learn_recall"
PROJECT_CATEGORIES = {"bpm": "tempo", "key": "key", "genre": "genre", "target_lufs": "loudness"}
WORKFLOW_FIELDS = ("time_signature", "sample_rate", "bit_depth")


def _json(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def project_observations(fields: dict[str, Any]) -> list[tuple[str, Any]]:
    """(category, value) pairs a project's fields show."""
    found = [
        (PROJECT_CATEGORIES[f], _json(v)) for f, v in fields.items() if f in PROJECT_CATEGORIES
    ]
    found += [("workflow", {f: fields[f]}) for f in WORKFLOW_FIELDS if fields.get(f) is not None]
    return [(category, value) for category, value in found if value is not None]


async def _record(
    session: AsyncSession, user: uuid.UUID, found: list[tuple[str, Any]], evidence: str
) -> None:
    for category, value in found:
        session.add(
            RecallObservation(user_id=user, category=category, value=value, evidence=evidence)
        )
    if found:
        await jobs.enqueue(
            session, LEARN_TASK, {"user_id": str(user)}, idempotency_key=f"{LEARN_TASK}:{user}"
        )


async def observe_project(
    session: AsyncSession,
    project_id: uuid.UUID,
    fields: dict[str, Any],
    *,
    version: int,
    user: uuid.UUID,
) -> None:
    """A save set these fields: evidence for the saver's recall."""
    await _record(session, user, project_observations(fields), f"project:{project_id}@v{version}")


async def observe_preset_use(
    session: AsyncSession, preset_id: uuid.UUID, plugin_type: str, uses: int, *, user: uuid.UUID
) -> None:
    """The user reached for a preset: evidence for their plugin settings."""
    value = {"plugin_type": plugin_type, "preset_id": str(preset_id)}
    await _record(session, user, [("plugin", value)], f"preset:{preset_id}#{uses}")


def _suggestion(row: RecallSuggestion) -> learning.Suggestion:
    return learning.Suggestion(
        row.category,
        row.value,
        row.weight,
        row.usage_count,
        row.last_used_at,
        tuple(row.evidence),
        row.pinned,
        row.forgotten_at is not None,
    )


def account_priors(user: User, at: datetime) -> list[learning.Observation]:
    """The account's studio preferences, as one observation each (priors)."""
    found = [
        ("tempo", user.default_bpm),
        ("key", user.default_key),
        ("loudness", user.preferred_lufs_target),
    ]
    found += [("genre", genre) for genre in user.preferred_genres]
    return [
        learning.Observation(
            category, _json(value), f"account:{category}={learning.value_key(_json(value))}", at
        )
        for category, value in found
        if value is not None
    ]


async def learn_for_user(session: AsyncSession, user_id: uuid.UUID, half_life: timedelta) -> int:
    """Fold the user's waiting observations (and account priors) into their suggestions (owner
    session, in the job); returns how many suggestions changed."""
    rows = (
        await session.scalars(
            select(RecallObservation)
            .where(RecallObservation.user_id == user_id)
            .order_by(RecallObservation.id)
            .with_for_update(skip_locked=True)
        )
    ).all()
    user = await session.get_one(User, user_id)
    stored = {
        (r.category, r.value_key): r
        for r in await session.scalars(
            select(RecallSuggestion).where(RecallSuggestion.user_id == user_id)
        )
    }
    observations = [
        learning.Observation(r.category, r.value, r.evidence, r.observed_at) for r in rows
    ]
    priors = account_priors(user, user.updated_at)
    changed = learning.learn(
        [_suggestion(r) for r in stored.values()], priors + observations, half_life
    )
    for s in changed:
        _store(session, stored.get((s.category, s.value_key)), s, user_id)
    if rows:
        await session.execute(
            delete(RecallObservation).where(RecallObservation.id.in_([r.id for r in rows]))
        )
    return len(changed)


def _store(
    session: AsyncSession, row: RecallSuggestion | None, s: learning.Suggestion, user_id: uuid.UUID
) -> None:
    if row is None:
        row = RecallSuggestion(
            user_id=user_id, category=s.category, value_key=s.value_key, value=s.value
        )
        session.add(row)
    row.weight, row.usage_count, row.last_used_at = s.weight, s.usage_count, s.last_used_at
    row.evidence = list(s.evidence)
    row.forgotten_at = None
    row.updated_at = datetime.now(UTC)


async def ranked_suggestions(
    session: AsyncSession, user_id: uuid.UUID, now: datetime, half_life: timedelta
) -> list[tuple[RecallSuggestion, learning.Ranked]]:
    """The caller's live suggestions with their confidence now, best first per category."""
    rows = (
        await session.scalars(
            select(RecallSuggestion).where(
                RecallSuggestion.user_id == user_id, RecallSuggestion.forgotten_at.is_(None)
            )
        )
    ).all()
    by_key = {(r.category, r.value_key): r for r in rows}
    ranked = learning.rank([_suggestion(r) for r in rows], now, half_life)
    return [(by_key[(r.suggestion.category, r.suggestion.value_key)], r) for r in ranked]


def project_defaults(ranked: Sequence[learning.Ranked]) -> dict[str, Any]:
    """Project fields from the top suggestion of each category (each workflow field apart)."""
    inverse = {category: field for field, category in PROJECT_CATEGORIES.items()}
    defaults: dict[str, Any] = {}
    for r in ranked:
        value, category = r.suggestion.value, r.suggestion.category
        if category in inverse:
            defaults.setdefault(inverse[category], value)
        elif category == "workflow" and isinstance(value, dict):
            for field, setting in value.items():
                defaults.setdefault(field, setting)
    return defaults


async def pin(
    session: AsyncSession,
    suggestion_id: uuid.UUID,
    *,
    pinned: bool,
    now: datetime,
    half_life: timedelta,
) -> RecallSuggestion:
    """Pin (it keeps today's weight and never decays) or unpin a suggestion."""
    row = await _own(session, suggestion_id)
    learned = _suggestion(row)
    row.weight = learning.current_weight(learned, now, half_life)
    row.last_used_at = max(row.last_used_at, now)
    row.pinned = pinned
    await session.flush()
    return row


async def forget(session: AsyncSession, suggestion_id: uuid.UUID) -> None:
    """Forget a suggestion: gone from the list, and never learned again from its evidence."""
    await _own(session, suggestion_id)
    await session.execute(
        update(RecallSuggestion)
        .where(RecallSuggestion.id == suggestion_id)
        .values(forgotten_at=func.now(), weight=0.0, pinned=False)
    )


async def _own(session: AsyncSession, suggestion_id: uuid.UUID) -> RecallSuggestion:
    row = await session.get(RecallSuggestion, suggestion_id)
    if row is None or row.forgotten_at is not None:
        raise SuggestionNotFound(f"No recall suggestion {suggestion_id}.")
    return row
