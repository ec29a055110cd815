"""The schema matches the models, and row-level security really holds through the API's role."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.db import ANONYMOUS, Claims, Database, begin_as_caller
from backbeat.embedded import DatabaseUrls
from backbeat.health import alembic_config
from tests.rls import acting_as

POLICY_TABLE = """
create table rls_probe (id serial primary key, owner_id uuid not null, note text not null);
alter table rls_probe enable row level security;
create policy rls_probe_own on rls_probe for select to backbeat_user
  using (owner_id = (select auth.uid()));
grant select on rls_probe to backbeat_user, backbeat_anon;
"""


class TestMigrations:
    def test_models_and_migrations_agree(self, template_uri: str) -> None:
        command.check(alembic_config(template_uri))

    async def test_extension_roles_and_auth_functions_exist(self, session: AsyncSession) -> None:
        vector = await session.scalar(
            text("select extversion from pg_extension where extname = 'vector'")
        )
        roles = await session.scalars(
            text("select rolname from pg_roles where rolname like 'backbeat_%' order by 1")
        )
        assert vector is not None
        assert list(roles) == ["backbeat_anon", "backbeat_api", "backbeat_service", "backbeat_user"]

    async def test_api_login_role_has_no_privileges_of_its_own(self, session: AsyncSession) -> None:
        flags = (
            await session.execute(
                text(
                    "select rolinherit, rolbypassrls, rolsuper from pg_roles "
                    "where rolname = 'backbeat_api'"
                )
            )
        ).one()
        assert tuple(flags) == (False, False, False)


class TestClaims:
    async def test_auth_functions_read_the_transaction_claims(self, session: AsyncSession) -> None:
        user_id = uuid.uuid4()
        async with acting_as(session, user_id, app_roles=["artist"]):
            row = (
                await session.execute(
                    text("select auth.uid(), auth.role(), auth.jwt() -> 'app_roles', current_user")
                )
            ).one()
        assert row[0] == user_id
        assert row[1] == "backbeat_user"
        assert row[2] == ["artist"]
        assert row[3] == "backbeat_user"

    async def test_anonymous_has_no_uid(self, session: AsyncSession) -> None:
        async with acting_as(session):
            uid, role = (await session.execute(text("select auth.uid(), current_user"))).one()
        assert uid is None and role == "backbeat_anon"

    def test_claims_pick_the_database_role(self) -> None:
        assert Claims(sub="u").db_role == "backbeat_user"
        assert Claims().db_role == "backbeat_anon"


def seed_probe(owner_uri: str, alice: uuid.UUID, bob: uuid.UUID) -> None:
    with psycopg.connect(owner_uri, autocommit=True) as conn:
        conn.execute(POLICY_TABLE)
        conn.execute(
            "insert into rls_probe (owner_id, note) values (%s, 'alice'), (%s, 'bob')", (alice, bob)
        )


def notes_seen(api_uri: str, role: str, claims: Claims) -> list[str]:
    """What the API's own login connection sees after switching role, as requests do."""
    with psycopg.connect(api_uri) as conn:
        conn.execute(
            "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
            (role, claims.as_json()),
        )
        return [r[0] for r in conn.execute("select note from rls_probe order by note").fetchall()]


class TestRowLevelSecurity:
    def test_hidden_row_is_invisible_to_api_and_visible_to_service(
        self, committed_urls: DatabaseUrls
    ) -> None:
        alice, bob = uuid.uuid4(), uuid.uuid4()
        seed_probe(committed_urls.owner, alice, bob)
        as_alice = Claims(sub=str(alice))
        assert notes_seen(committed_urls.api, "backbeat_user", as_alice) == ["alice"]
        assert notes_seen(committed_urls.api, "backbeat_anon", Claims()) == []
        assert notes_seen(committed_urls.api, "backbeat_service", Claims()) == ["alice", "bob"]

    def test_api_login_role_alone_reads_nothing(self, committed_urls: DatabaseUrls) -> None:
        seed_probe(committed_urls.owner, uuid.uuid4(), uuid.uuid4())
        with psycopg.connect(committed_urls.api) as conn:
            try:
                conn.execute("select count(*) from rls_probe")
                refused = False
            except psycopg.errors.InsufficientPrivilege:
                refused = True
        assert refused


class TestCallerTransactions:
    """The API's write path: BEGIN travels with the claims, and both end with the transaction."""

    async def test_one_transaction_as_the_caller_then_nothing_left(
        self, committed_database: Database
    ) -> None:
        who = Claims(sub=str(uuid.uuid4()), payload={"app_role": "user"})
        async with committed_database.api_sessions() as session, session.begin():
            await begin_as_caller(session, who)
            first = await session.scalar(text("select now()"))
            role = await session.scalar(text("select current_user"))
            uid = await session.scalar(text("select auth.uid()::text"))
            second = await session.scalar(text("select now()"))
        async with committed_database.api_sessions() as session, session.begin():
            await begin_as_caller(session, ANONYMOUS)
            after = await session.scalar(text("select auth.uid()"))
            anon_role = await session.scalar(text("select current_user"))
        assert (role, uid) == ("backbeat_user", who.sub)
        assert first == second  # now() is the transaction's start: one transaction
        assert (after, anon_role) == (None, "backbeat_anon")

    async def test_a_failed_transaction_rolls_back(self, committed_database: Database) -> None:
        marker = f"bb_{uuid.uuid4().hex[:8]}"

        async def failing() -> None:
            async with committed_database.api_sessions() as session, session.begin():
                await begin_as_caller(session, ANONYMOUS)
                probe = f"select set_config('backbeat.probe', '{marker}', false)"
                await session.execute(text(probe))
                await session.execute(text("select 1 / 0"))

        with pytest.raises(DBAPIError):
            await failing()
        async with committed_database.api_sessions() as session, session.begin():
            await begin_as_caller(session, ANONYMOUS)
            left = await session.scalar(text("select current_setting('backbeat.probe', true)"))
        assert left in (None, "")  # even a session-level setting went with the rollback
