"""HTTP routes of a user's plugin presets and Mixx Recall suggestions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from backbeat.edge import AppSettings, DbRead, DbSession, json_text
from backbeat.identity.auth import CurrentUser, OptionalCaller
from backbeat.studio.me_schemas import (
    PinIn,
    PresetIn,
    PresetOut,
    PresetPage,
    PresetPatch,
    PresetUse,
    SuggestionOut,
    SuggestionPage,
)
from backbeat.studio.recall import Ranked
from backbeat.studio.service import presets, recall

router = APIRouter(prefix="/v1", tags=["studio"])


def _out(preset: object) -> PresetOut:
    return PresetOut.model_validate(preset, from_attributes=True)


@router.post("/plugin-presets", status_code=status.HTTP_201_CREATED, response_model=PresetOut)
async def create_preset(
    body: PresetIn, session: DbSession, user: CurrentUser, settings: AppSettings
) -> PresetOut:
    """A preset of your own (public when `is_public`)."""
    preset = await presets.create_preset(
        session, body, actor=user.user_id, max_bytes=settings.studio_max_preset_bytes
    )
    return _out(preset)


@router.get("/plugin-presets", response_model=PresetPage)
async def list_presets(
    read: DbRead,
    caller: OptionalCaller,
    plugin_type: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    mine: bool = False,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """System, public and your own presets by plugin type and name (keyset pages)."""
    page = await presets.read_presets(
        read,
        plugin_type=plugin_type,
        tag=tag,
        q=q,
        mine=mine and caller is not None,
        cursor=cursor,
        limit=limit,
    )
    return json_text(page)


@router.get("/plugin-presets/{preset_id}", response_model=PresetOut)
async def get_preset(preset_id: uuid.UUID, read: DbRead, caller: OptionalCaller) -> Response:
    """A preset you may see."""
    return json_text(await presets.read_preset(read, preset_id))


@router.patch("/plugin-presets/{preset_id}", response_model=PresetOut)
async def patch_preset(
    preset_id: uuid.UUID,
    body: PresetPatch,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
) -> PresetOut:
    """Change your preset."""
    preset = await presets.patch_preset(
        session, preset_id, body, actor=user.user_id, max_bytes=settings.studio_max_preset_bytes
    )
    return _out(preset)


@router.delete("/plugin-presets/{preset_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_preset(preset_id: uuid.UUID, session: DbSession, user: CurrentUser) -> Response:
    """Delete your preset."""
    await presets.delete_preset(session, preset_id, actor=user.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/plugin-presets/{preset_id}/use", response_model=PresetUse)
async def use_preset(preset_id: uuid.UUID, session: DbSession, user: CurrentUser) -> PresetUse:
    """Count a use (Mixx Recall learns your plugin settings from it)."""
    uses = await presets.use_preset(session, preset_id, actor=user.user_id)
    return PresetUse(id=preset_id, usage_count=uses)


def _suggestion(row: object, ranked: Ranked) -> SuggestionOut:
    return SuggestionOut.model_validate(
        {
            **{
                k: getattr(row, k)
                for k in (
                    "id",
                    "category",
                    "value",
                    "usage_count",
                    "last_used_at",
                    "pinned",
                    "evidence",
                )
            },
            "confidence": round(ranked.confidence, 4),
            "weight": round(ranked.weight, 4),
        }
    )


@router.get("/me/recall", response_model=SuggestionPage)
async def my_recall(session: DbSession, user: CurrentUser, settings: AppSettings) -> SuggestionPage:
    """What Mixx Recall learned about you, with its evidence, best first per category."""
    half_life = timedelta(days=settings.studio_recall_half_life_days)
    found = await recall.ranked_suggestions(session, user.user_id, datetime.now(UTC), half_life)
    return SuggestionPage(items=[_suggestion(row, ranked) for row, ranked in found])


@router.post("/me/recall/{suggestion_id}/pin", response_model=SuggestionOut)
async def pin_suggestion(
    suggestion_id: uuid.UUID,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    body: Annotated[PinIn | None, Body()] = None,
) -> SuggestionOut:
    """Pin a suggestion (it never decays), or unpin it with `{"pinned": false}`."""
    half_life = timedelta(days=settings.studio_recall_half_life_days)
    now = datetime.now(UTC)
    await recall.pin(
        session, suggestion_id, pinned=(body or PinIn()).pinned, now=now, half_life=half_life
    )
    found = await recall.ranked_suggestions(session, user.user_id, now, half_life)
    return next(_suggestion(row, r) for row, r in found if row.id == suggestion_id)


@router.delete("/me/recall/{suggestion_id}", status_code=status.HTTP_204_NO_CONTENT)
async def forget_suggestion(
    suggestion_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> Response:
    """Forget a suggestion; it is not learned again from the same evidence."""
    await recall.forget(session, suggestion_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
