"""Row-level security of the studio, attacked directly in SQL as the API's roles."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.rls import acting_as, make_user


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, uuid.UUID]:
    people = {
        n: await make_user(session, f"studio_rls_{n}")
        for n in ("owner", "editor", "viewer", "stranger")
    }
    project = uuid.uuid4()
    await session.execute(
        text(
            "insert into studio_projects (id, owner_id, name, document, document_bytes) "
            "values (:p, :o, 'secret', '{\"a\": 1}', 8)"
        ),
        {"p": project, "o": people["owner"]},
    )
    await session.execute(
        text(
            "insert into studio_project_versions "
            "(project_id, version, author_id, checkpoint, size_bytes, patch_bytes) "
            "values (:p, 1, :o, '{\"a\": 1}', 8, 0)"
        ),
        {"p": project, "o": people["owner"]},
    )
    for role in ("editor", "viewer"):
        await session.execute(
            text(
                "insert into studio_project_members (project_id, user_id, role) values (:p, :u, :r)"
            ),
            {"p": project, "u": people[role], "r": role},
        )
    return {**people, "project": project}


async def visible(session: AsyncSession, table: str, project: uuid.UUID) -> int:
    column = "id" if table == "studio_projects" else "project_id"
    query = f"select count(*) from {table} where {column} = :p"  # noqa: S608 - names from the test
    found = await session.scalar(text(query), {"p": project})
    return int(found or 0)


class TestReading:
    @pytest.mark.parametrize(
        "table", ["studio_projects", "studio_project_versions", "studio_project_members"]
    )
    async def test_members_read_strangers_and_anonymous_do_not(
        self, session: AsyncSession, world: dict[str, uuid.UUID], table: str
    ) -> None:
        for who in ("owner", "editor", "viewer"):
            async with acting_as(session, world[who]):
                assert await visible(session, table, world["project"]) > 0, who
        async with acting_as(session, world["stranger"]):
            assert await visible(session, table, world["project"]) == 0


class TestWriting:
    async def test_a_viewer_cannot_save(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["viewer"]):
            result = await session.execute(
                text("update studio_projects set document = '{}' , version = 2 where id = :p"),
                {"p": world["project"]},
            )
            assert result.rowcount == 0  # type: ignore[attr-defined]
        async with acting_as(session, world["editor"]):
            result = await session.execute(
                text("update studio_projects set version = 2 where id = :p"),
                {"p": world["project"]},
            )
            assert result.rowcount == 1  # type: ignore[attr-defined]

    async def test_a_viewer_cannot_append_history(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["viewer"]):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(
                        text(
                            "insert into studio_project_versions (project_id, version, "
                            "author_id, patch, size_bytes, patch_bytes) "
                            "values (:p, 2, :u, '[]', 1, 1)"
                        ),
                        {"p": world["project"], "u": world["viewer"]},
                    )

    async def test_an_editor_cannot_take_ownership(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["editor"]):
            with pytest.raises(DBAPIError, match="permission denied"):
                async with session.begin_nested():
                    await session.execute(
                        text("update studio_projects set owner_id = :u where id = :p"),
                        {"u": world["editor"], "p": world["project"]},
                    )

    async def test_a_stranger_cannot_join_without_an_invitation(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["stranger"]):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(
                        text(
                            "insert into studio_project_members (project_id, user_id, role) "
                            "values (:p, :u, 'editor')"
                        ),
                        {"p": world["project"], "u": world["stranger"]},
                    )

    async def test_an_editor_cannot_promote_themselves(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["viewer"]):
            result = await session.execute(
                text("update studio_project_members set role = 'editor' where user_id = :u"),
                {"u": world["viewer"]},
            )
            assert result.rowcount == 0  # type: ignore[attr-defined]

    async def test_nobody_rewrites_history(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["owner"]):
            with pytest.raises(DBAPIError, match="permission denied"):
                async with session.begin_nested():
                    await session.execute(
                        text("delete from studio_project_versions where project_id = :p"),
                        {"p": world["project"]},
                    )


class TestPresetsAndRecall:
    async def test_presets_own_public_and_system(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        await session.execute(
            text(
                "insert into studio_plugin_presets "
                "(user_id, name, plugin_type, parameters, is_public, is_system) values "
                "(null, 'sys', 'MixxDrive', '{}', false, true), "
                "(:o, 'mine', 'MixxDrive', '{}', false, false), "
                "(:o, 'shared', 'MixxDrive', '{}', true, false)"
            ),
            {"o": world["owner"]},
        )
        names = text(
            "select name from studio_plugin_presets "
            "where name in ('sys', 'mine', 'shared') order by name"
        )
        async with acting_as(session, world["stranger"]):
            assert list(await session.scalars(names)) == ["shared", "sys"]
            result = await session.execute(
                text("update studio_plugin_presets set name = 'x' where name in ('sys', 'shared')")
            )
            assert result.rowcount == 0  # type: ignore[attr-defined]
        async with acting_as(session, world["owner"]):
            assert list(await session.scalars(names)) == ["mine", "shared", "sys"]
            result = await session.execute(
                text("update studio_plugin_presets set name = 'x' where name = 'sys'")
            )
            assert result.rowcount == 0  # type: ignore[attr-defined]

    async def test_recall_is_private(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        await session.execute(
            text(
                "insert into studio_recall (user_id, category, value_key, value, weight, "
                "usage_count, last_used_at, evidence) "
                "values (:o, 'tempo', '140', '140', 1, 1, now(), '{}')"
            ),
            {"o": world["owner"]},
        )
        count = text("select count(*) from studio_recall where user_id = :o")
        async with acting_as(session, world["editor"]):
            assert await session.scalar(count, {"o": world["owner"]}) == 0
        async with acting_as(session, world["owner"]):
            assert await session.scalar(count, {"o": world["owner"]}) == 1


class TestSessions:
    @pytest.mark.parametrize("who", ["viewer", "stranger"])
    async def test_only_editors_start_sessions(
        self, session: AsyncSession, world: dict[str, uuid.UUID], who: str
    ) -> None:
        start = text(
            "insert into studio_collaboration_sessions (project_id, started_by) values (:p, :u)"
        )
        async with acting_as(session, world[who]):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(start, {"p": world["project"], "u": world[who]})
        async with acting_as(session, world["editor"]):
            await session.execute(start, {"p": world["project"], "u": world["editor"]})
        async with acting_as(session, world["stranger"]):
            found = await session.scalar(text("select count(*) from studio_collaboration_sessions"))
            assert found == 0
