"""Plugin presets: the user's own, public ones, and system presets (MixxDrive, MixxTune, …);
search by plugin type, tag and text in keyset pages; use counts."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.reads import Read, ReadSession
from backbeat.studio import documents
from backbeat.studio.errors import PresetNotFound, PresetTooLarge
from backbeat.studio.me_schemas import PresetIn, PresetPatch
from backbeat.studio.models import PluginPreset
from backbeat.studio.service import recall
from backbeat.studio.service.project_json import like_pattern

USE = text("select studio_use_preset(:id)")
FIELDS = """json_build_object('id', p.id, 'user_id', p.user_id, 'name', p.name,
  'description', p.description, 'plugin_type', p.plugin_type, 'parameters', p.parameters,
  'is_public', p.is_public, 'is_system', p.is_system, 'usage_count', p.usage_count,
  'last_used_at', p.last_used_at, 'tags', p.tags, 'created_at', p.created_at,
  'updated_at', p.updated_at)"""
PRESETS_READ = Read(
    f"select {FIELDS}::text, p.plugin_type, p.name, p.id from studio_plugin_presets p "  # noqa: S608
    "where (%(plugin_type)s::text is null or p.plugin_type = %(plugin_type)s) "
    "and (%(tag)s::text is null or p.tags @> array[%(tag)s::text]) "
    "and (%(q)s::text is null or p.name ilike %(q)s or p.description ilike %(q)s) "
    "and (not %(mine)s or p.user_id = (select auth.uid())) "
    "and (%(after_type)s::text is null or (p.plugin_type, p.name, p.id) > "
    "  (%(after_type)s::text, %(after_name)s::text, %(after_id)s::uuid)) "
    "order by p.plugin_type, p.name, p.id limit %(limit)s"
)
PRESET_READ = Read(f"select {FIELDS}::text from studio_plugin_presets p where p.id = %(id)s")  # noqa: S608


def check_parameters(parameters: dict[str, Any], limit: int) -> None:
    """Parameters over the size limit are refused."""
    size = documents.size_of(parameters)
    if size > limit:
        raise PresetTooLarge(f"The parameters are {size} bytes; the limit is {limit}.", limit=limit)


async def create_preset(
    session: AsyncSession, body: PresetIn, *, actor: uuid.UUID, max_bytes: int
) -> PluginPreset:
    """A preset of the caller's."""
    check_parameters(body.parameters, max_bytes)
    preset = PluginPreset(user_id=actor, **body.model_dump())
    session.add(preset)
    await session.flush()
    await session.refresh(preset)
    return preset


async def own_preset(session: AsyncSession, preset_id: uuid.UUID, actor: uuid.UUID) -> PluginPreset:
    """One of the caller's presets (system and others' presets cannot be changed)."""
    preset = await session.get(PluginPreset, preset_id)
    if preset is None or preset.user_id != actor:
        raise PresetNotFound(f"No preset {preset_id} of yours.")
    return preset


async def patch_preset(
    session: AsyncSession,
    preset_id: uuid.UUID,
    body: PresetPatch,
    *,
    actor: uuid.UUID,
    max_bytes: int,
) -> PluginPreset:
    """Change the given fields of the caller's preset."""
    preset = await own_preset(session, preset_id, actor)
    values = body.model_dump(exclude_unset=True)
    if values.get("parameters") is not None:
        check_parameters(values["parameters"], max_bytes)
    for field, value in values.items():
        if value is not None or field == "description":
            setattr(preset, field, value)
    preset.updated_at = datetime.now(UTC)
    await session.flush()
    await session.refresh(preset)
    return preset


async def delete_preset(session: AsyncSession, preset_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    """Delete the caller's preset."""
    await session.delete(await own_preset(session, preset_id, actor))


async def use_preset(session: AsyncSession, preset_id: uuid.UUID, *, actor: uuid.UUID) -> int:
    """Count a use of a visible preset (anyone's public or system one); Recall learns from it."""
    uses = await session.scalar(USE, {"id": preset_id})
    if uses is None:
        raise PresetNotFound(f"No preset {preset_id}.")
    plugin_type = await session.scalar(
        text("select plugin_type from studio_plugin_presets where id = :id"), {"id": preset_id}
    )
    await recall.observe_preset_use(session, preset_id, str(plugin_type), int(uses), user=actor)
    return int(uses)


def _cursor(row: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([row[1], row[2], str(row[3])]).encode()).decode()


def _after(cursor: str | None) -> tuple[str | None, str | None, str | None]:
    if not cursor:
        return None, None, None
    try:
        kind, name, pid = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(kind), str(name), str(uuid.UUID(str(pid)))
    except (ValueError, TypeError):
        return None, None, None


async def read_presets(
    read: ReadSession,
    *,
    plugin_type: str | None,
    tag: str | None,
    q: str | None,
    mine: bool,
    cursor: str | None,
    limit: int,
) -> str:
    """Visible presets as a PresetPage (one round trip)."""
    after_type, after_name, after_id = _after(cursor)
    rows = await read.rows(
        PRESETS_READ,
        plugin_type=plugin_type,
        tag=tag.strip().lower() if tag else None,
        q=like_pattern(q) if q else None,
        mine=mine,
        after_type=after_type,
        after_name=after_name,
        after_id=after_id,
        limit=limit,
    )
    following = f'"{_cursor(rows[-1])}"' if len(rows) == limit else "null"
    return '{"items":[' + ",".join(str(r[0]) for r in rows) + f'],"next":{following}}}'


async def read_preset(read: ReadSession, preset_id: uuid.UUID) -> str:
    """One visible preset."""
    found = await read.one(PRESET_READ, id=preset_id)
    if found is None:
        raise PresetNotFound(f"No preset {preset_id}.")
    return found
