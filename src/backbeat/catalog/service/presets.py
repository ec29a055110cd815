"""Split presets: a user's few named splits, used to fill a sheet in one call."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.errors import InvalidSplit, PresetLimit
from backbeat.catalog.models import SplitPreset
from backbeat.catalog.schemas import EntryOut, PresetIn, PresetOut
from backbeat.catalog.shares import (
    InvalidShare,
    SplitLine,
    format_percentage,
    parse_payee,
    resolve_lines,
)
from backbeat.catalog.vocabulary import Role
from backbeat.errors import Conflict, NotFound


def _out(preset: SplitPreset) -> PresetOut:
    entries = [
        EntryOut(payee=e["payee"], share=format_percentage(e["share_ppm"]), role=e["role"])
        for e in preset.entries
    ]
    return PresetOut(id=preset.id, name=preset.name, entries=entries, created_at=preset.created_at)


async def list_presets(session: AsyncSession, *, actor: uuid.UUID) -> list[PresetOut]:
    """The caller's presets, in slot order."""
    rows = await session.scalars(
        select(SplitPreset).where(SplitPreset.user_id == actor).order_by(SplitPreset.slot)
    )
    return [_out(p) for p in rows]


async def create_preset(
    session: AsyncSession, body: PresetIn, *, actor: uuid.UUID, limit: int
) -> PresetOut:
    """Validated like a sheet; at most `limit`, enforced under a per-user lock and a slot key."""
    try:
        lines = resolve_lines(body.entries, body.split, Role.OTHER)
    except InvalidShare as exc:
        raise InvalidSplit(str(exc)) from None
    await session.execute(
        text("select pg_advisory_xact_lock(hashtextextended('catalog_split_presets:' || :u, 0))"),
        {"u": str(actor)},
    )
    used = set(await session.scalars(select(SplitPreset.slot).where(SplitPreset.user_id == actor)))
    free = [slot for slot in range(1, limit + 1) if slot not in used]
    if not free:
        raise PresetLimit(f"You already have {limit} split presets; delete one first", limit=limit)
    preset = SplitPreset(
        user_id=actor,
        slot=free[0],
        name=body.name,
        entries=[
            {"payee": str(line.payee), "share_ppm": line.share_ppm, "role": line.role.value}
            for line in lines
        ],
    )
    try:
        async with session.begin_nested():
            session.add(preset)
            await session.flush()
    except IntegrityError:
        raise Conflict(f"You already have a preset named {body.name!r}") from None
    return _out(preset)


async def delete_preset(session: AsyncSession, preset_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    """Delete one of the caller's presets (row-level security hides everyone else's)."""
    result = await session.execute(
        delete(SplitPreset).where(SplitPreset.id == preset_id, SplitPreset.user_id == actor)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"No split preset {preset_id}")


async def preset_lines(
    session: AsyncSession, preset_id: uuid.UUID, default_role: Role, *, actor: uuid.UUID
) -> list[SplitLine]:
    """The lines of one of the caller's presets (its roles, or the sheet's default role)."""
    preset = await session.scalar(
        select(SplitPreset).where(SplitPreset.id == preset_id, SplitPreset.user_id == actor)
    )
    if preset is None:
        raise NotFound(f"No split preset {preset_id}")
    return [
        SplitLine(
            parse_payee(e["payee"]),
            e["share_ppm"],
            default_role if e["role"] == Role.OTHER else Role(e["role"]),
        )
        for e in preset.entries
    ]
