"""The rolled-back test Database: owner sessions run as the owner on the shared connection."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backbeat.db import USER_ROLE, Claims, Database, apply_claims, session_scope
from backbeat.media.models import Blob
from tests.conftest import rollback_database

WHO = text("select current_user = session_user, current_user")
CLAIMS = text("select coalesce(current_setting('request.jwt.claims', true), '')")


async def caller(session: AsyncSession) -> tuple[bool, str]:
    is_owner, role = (await session.execute(WHO)).one()
    return bool(is_owner), str(role)


class TestRollbackDatabase:
    async def test_an_owner_session_after_an_api_session_is_the_owner(
        self, database: Database, connection: AsyncConnection
    ) -> None:
        rolled_back = rollback_database(database, connection)
        async with rolled_back.api_sessions() as api, api.begin():
            await apply_claims(api, Claims(sub=str(uuid.uuid4())))
        async with session_scope(rolled_back) as owner:
            assert (await caller(owner))[0]
            assert await owner.scalar(CLAIMS) == ""

    async def test_an_owner_session_inside_an_api_session_hands_the_caller_back(
        self, database: Database, connection: AsyncConnection
    ) -> None:
        rolled_back = rollback_database(database, connection)
        claims = Claims(sub=str(uuid.uuid4()))
        async with rolled_back.api_sessions() as api, api.begin():
            await apply_claims(api, claims)
            async with session_scope(rolled_back) as owner:
                assert (await caller(owner))[0]
            assert await caller(api) == (False, USER_ROLE)
            assert await api.scalar(CLAIMS) == claims.as_json()

    async def test_interleaved_sessions_each_keep_their_role(
        self, database: Database, connection: AsyncConnection
    ) -> None:
        rolled_back = rollback_database(database, connection)
        claims = Claims(sub=str(uuid.uuid4()))
        async with rolled_back.api_sessions() as api, api.begin():
            await apply_claims(api, claims)
            async with rolled_back.owner_sessions() as owner, owner.begin():
                assert (await caller(owner))[0]
                assert await caller(api) == (False, USER_ROLE)
                assert await api.scalar(CLAIMS) == claims.as_json()
                owner.add(Blob(sha256="ab" * 32))  # the API roles may not write blobs
                await owner.flush()
                assert await caller(api) == (False, USER_ROLE)
