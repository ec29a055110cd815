"""Studio demo: Nova's project with a few hundred versions from a scripted editing session,
Kaito as an editor, a milestone snapshot, system and user presets, and learned recall."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import User
from backbeat.studio import documents
from backbeat.studio.models import PluginPreset, Project, ProjectMember, ProjectSnapshot
from backbeat.studio.service import recall
from backbeat.studio.service.versions import HistoryRules, NewVersion, commit_version, first_version
from backbeat.studio.session_script import editing_session, project_document

DEMO_PROJECT = uuid.UUID("5a7d10de-0000-4000-8000-000000000001")
SAVES = 300
RULES = HistoryRules(
    checkpoint_every=50, max_document_bytes=8 * 1024**2, auto_snapshot_after=timedelta(minutes=10)
)
SYSTEM_PRESETS = (
    ("MixxDrive", "Warm tape", {"drive": 0.35, "tone": 0.6, "mix": 0.8}, ["saturation", "warm"]),
    (
        "MixxDrive",
        "Crushed drums",
        {"drive": 0.9, "tone": 0.4, "mix": 0.5},
        ["drums", "aggressive"],
    ),
    ("MixxTune", "Natural vocal", {"speed": 0.3, "humanize": 0.7, "key": "auto"}, ["vocals"]),
    ("MixxTune", "Hard tune", {"speed": 0.0, "humanize": 0.0, "key": "auto"}, ["vocals", "trap"]),
    ("MixxVerb", "Small room", {"size": 0.2, "decay": 0.8, "mix": 0.15}, ["room"]),
    ("MixxComp", "Glue bus", {"ratio": 2.0, "attack": 30, "release": 100}, ["bus", "glue"]),
)
HALF_LIFE = timedelta(days=30)


async def _user(session: AsyncSession, username: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await session.scalar(select(User.id).where(User.username == username))
    return found


async def _system_presets(session: AsyncSession) -> None:
    if await session.scalar(select(PluginPreset.id).where(PluginPreset.is_system).limit(1)):
        return
    for plugin, name, parameters, tags in SYSTEM_PRESETS:
        session.add(
            PluginPreset(
                user_id=None,
                is_system=True,
                is_public=True,
                plugin_type=plugin,
                name=name,
                parameters=parameters,
                tags=tags,
            )
        )


async def _project(session: AsyncSession, nova: uuid.UUID, kaito: uuid.UUID) -> int:
    """The project and its history: Nova and Kaito take turns over the scripted session."""
    document = project_document(tracks=10, clips=10, points=40)
    project = Project(
        id=DEMO_PROJECT,
        owner_id=nova,
        name="Midnight Run",
        bpm=140,
        key="F#m",
        genre="trap",
        mood="dark",
        tags=["demo", "trap"],
        target_lufs=-9,
        document=document,
        version=1,
        document_bytes=documents.size_of(document),
    )
    session.add(project)
    await session.flush()
    session.add(first_version(project, nova, project.document_bytes))
    session.add(ProjectMember(project_id=DEMO_PROJECT, user_id=kaito, role="editor"))
    for step, (patch, after) in enumerate(editing_session(document, SAVES)):
        author = kaito if step % 3 == 2 else nova
        new = NewVersion(
            after, author, device_id="studio-mac" if author == nova else "laptop", patch=patch
        )
        await commit_version(session, project, new, RULES)
    session.add(
        ProjectSnapshot(
            project_id=DEMO_PROJECT,
            version=SAVES // 2,
            kind="milestone",
            name="First full arrangement",
            description="Drums, 808 and keys in place; vocals next.",
            created_by=nova,
            musical_context={"bpm": 140, "key": "F#m", "time_signature": "4/4"},
        )
    )
    await recall.observe_project(
        session,
        DEMO_PROJECT,
        {"bpm": 140, "key": "F#m", "genre": "trap", "target_lufs": -9},
        version=1,
        user=nova,
    )
    return project.version


async def load_studio_demo(session: AsyncSession) -> list[str]:
    """Idempotent: what exists is kept; the report is the same on a second run."""
    nova, kaito = await _user(session, "nova"), await _user(session, "kaito")
    if nova is None or kaito is None:
        return ["studio demo skipped: the identity demo users are missing"]
    await _system_presets(session)
    if await session.get(Project, DEMO_PROJECT) is None:
        await _project(session, nova, kaito)
        session.add(
            PluginPreset(
                user_id=nova,
                plugin_type="MixxDrive",
                name="Nova's 808 grit",
                parameters={"drive": 0.55, "tone": 0.3, "mix": 0.7},
                tags=["808"],
            )
        )
        await session.flush()
        await recall.learn_for_user(session, nova, HALF_LIFE)
    project = await session.get_one(Project, DEMO_PROJECT)
    return [
        f"project  {project.name} ({project.id}): {project.version} versions, "
        f"{project.document_bytes} bytes, owner nova, editor kaito",
        f"presets  {len(SYSTEM_PRESETS)} system presets (MixxDrive, MixxTune, …)",
    ]
