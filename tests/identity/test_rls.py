"""Row-level security on the identity tables, attacked directly in SQL as the API's roles."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import (
    Credential,
    PersonalAccessToken,
    SecurityEvent,
    Session,
    User,
    Wallet,
)
from tests.rls import acting_as


async def make_user(session: AsyncSession, name: str) -> uuid.UUID:
    user = User(id=uuid.uuid4(), email=f"{name}@example.com", username=name, roles=["listener"])
    session.add(user)
    await session.flush()
    later = datetime.now(UTC) + timedelta(days=1)
    session.add_all(
        [
            Credential(user_id=user.id, password_hash="$argon2id$fake"),
            Session(user_id=user.id, method="password", expires_at=later, device_token_hash=name),
            SecurityEvent(user_id=user.id, kind="sign_in", detail={}),
            Wallet(caip10=f"stacks:1:{name}", user_id=user.id, is_primary=True),
            PersonalAccessToken(
                user_id=user.id, name="t", scopes=["read"], token_hash=f"h-{name}", hint="bbp_"
            ),
        ]
    )
    await session.flush()
    return user.id


async def count(session: AsyncSession, sql: str, **params: object) -> int:
    return int(await session.scalar(text(sql), params) or 0)


@pytest.fixture
async def alice_and_bob(session: AsyncSession) -> tuple[uuid.UUID, uuid.UUID]:
    return await make_user(session, "rls_alice"), await make_user(session, "rls_bob")


OWN_ROW_TABLES = (
    "identity_users where id",
    "identity_sessions where user_id",
    "identity_security_events where user_id",
    "identity_wallets where user_id",
    "identity_personal_access_tokens where user_id",
)


class TestUserRole:
    @pytest.mark.parametrize("table", OWN_ROW_TABLES)
    async def test_sees_only_own_rows(
        self, session: AsyncSession, alice_and_bob: tuple[uuid.UUID, uuid.UUID], table: str
    ) -> None:
        alice, bob = alice_and_bob
        name, _, column = table.partition(" where ")
        async with acting_as(session, alice):
            query = f"select count(*) from {name} where {column} = :owner"  # noqa: S608
            mine = await count(session, query, owner=alice)
            theirs = await count(session, query, owner=bob)
        assert (mine, theirs) == (1, 0)

    async def test_cannot_update_another_users_profile(
        self, session: AsyncSession, alice_and_bob: tuple[uuid.UUID, uuid.UUID]
    ) -> None:
        alice, bob = alice_and_bob
        async with acting_as(session, alice):
            result = await session.execute(
                text("update identity_users set bio = 'pwned' where id = :bob"), {"bob": bob}
            )
        assert result.rowcount == 0  # type: ignore[attr-defined]

    async def test_cannot_grant_itself_a_role(
        self, session: AsyncSession, alice_and_bob: tuple[uuid.UUID, uuid.UUID]
    ) -> None:
        alice, _ = alice_and_bob
        with pytest.raises(DBAPIError, match="permission denied"):
            async with acting_as(session, alice), session.begin_nested():
                await session.execute(
                    text("update identity_users set roles = '{admin}' where id = :id"),
                    {"id": alice},
                )

    async def test_cannot_revoke_another_users_session(
        self, session: AsyncSession, alice_and_bob: tuple[uuid.UUID, uuid.UUID]
    ) -> None:
        alice, bob = alice_and_bob
        async with acting_as(session, alice):
            result = await session.execute(
                text("update identity_sessions set revoked_at = now() where user_id = :bob"),
                {"bob": bob},
            )
        assert result.rowcount == 0  # type: ignore[attr-defined]

    @pytest.mark.parametrize(
        "sql",
        [
            "select password_hash from identity_credentials",
            "select token_hash from identity_personal_access_tokens",
            "select device_token_hash from identity_sessions",
            "select token_hash from identity_refresh_tokens",
            "select secret_sealed from identity_mfa_totp",
            "select code_hash from identity_backup_codes",
            "select access_token_sealed from identity_oauth_connections",
            "select body from identity_email_outbox",
            "select token_hash from identity_email_tokens",
            "select nonce from identity_wallet_challenges",
            "select key from identity_rate_limits",
        ],
    )
    async def test_cannot_read_secrets_even_its_own(
        self, session: AsyncSession, alice_and_bob: tuple[uuid.UUID, uuid.UUID], sql: str
    ) -> None:
        alice, _ = alice_and_bob
        with pytest.raises(DBAPIError, match="permission denied"):
            async with acting_as(session, alice), session.begin_nested():
                await session.execute(text(sql))

    async def test_cannot_forge_security_events(
        self, session: AsyncSession, alice_and_bob: tuple[uuid.UUID, uuid.UUID]
    ) -> None:
        alice, _ = alice_and_bob
        with pytest.raises(DBAPIError, match="permission denied"):
            async with acting_as(session, alice), session.begin_nested():
                await session.execute(
                    text(
                        "insert into identity_security_events (id, user_id, kind) "
                        "values (gen_random_uuid(), :id, 'fake')"
                    ),
                    {"id": alice},
                )

    async def test_cannot_insert_a_connection_for_someone_else(
        self, session: AsyncSession, alice_and_bob: tuple[uuid.UUID, uuid.UUID]
    ) -> None:
        alice, bob = alice_and_bob
        with pytest.raises(DBAPIError, match="row-level security"):
            async with acting_as(session, alice), session.begin_nested():
                await session.execute(
                    text(
                        "insert into identity_oauth_connections "
                        "(user_id, provider, access_token_sealed) values (:bob, 'spotify', 'x')"
                    ),
                    {"bob": bob},
                )

    async def test_admin_claim_reads_every_users_events(
        self, session: AsyncSession, alice_and_bob: tuple[uuid.UUID, uuid.UUID]
    ) -> None:
        alice, bob = alice_and_bob
        async with acting_as(session, alice, app_role="admin"):
            seen = await count(
                session, "select count(*) from identity_security_events where user_id = :u", u=bob
            )
        assert seen == 1


class TestAnonymousRole:
    async def test_reads_public_profiles_through_the_view_only(
        self, session: AsyncSession, alice_and_bob: tuple[uuid.UUID, uuid.UUID]
    ) -> None:
        async with acting_as(session):
            names = await session.scalars(
                text("select username from identity_public_profiles where username like 'rls_%'")
            )
            assert sorted(names) == ["rls_alice", "rls_bob"]
        with pytest.raises(DBAPIError, match="permission denied"):
            async with acting_as(session), session.begin_nested():
                await session.execute(text("select email from identity_users"))

    async def test_view_has_no_private_columns(self, session: AsyncSession) -> None:
        columns = await session.scalars(
            text(
                "select column_name from information_schema.columns "
                "where table_name = 'identity_public_profiles'"
            )
        )
        assert set(columns) == {
            "id",
            "username",
            "display_name",
            "avatar_url",
            "bio",
            "roles",
            "created_at",
        }


async def test_every_identity_table_has_row_level_security(session: AsyncSession) -> None:
    rows = await session.execute(
        text(
            "select relname, relrowsecurity from pg_class "
            "where relkind = 'r' and relname like 'identity\\_%'"
        )
    )
    tables = dict(rows.tuples().all())
    assert len(tables) == 14
    assert all(tables.values()), [t for t, on in tables.items() if not on]
