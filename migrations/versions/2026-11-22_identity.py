"""Identity: users, credentials, sessions, MFA, wallets, tokens, events, and their RLS.

Revision ID: 20261122_identity
Revises: 20261122_foundation
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_identity"
down_revision: str | None = "20261122_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SERVICE_ONLY_TABLES = (
    "identity_credentials",
    "identity_refresh_tokens",
    "identity_backup_codes",
    "identity_wallet_challenges",
    "identity_email_outbox",
    "identity_rate_limits",
    "identity_email_tokens",
)
"""RLS on, no policy, no grant: only the auth service (owner/backbeat_service) touches these."""

OWN = "(select auth.uid())"
IS_ADMIN = "((select auth.jwt() ->> 'app_role') = 'admin')"

ROW_SECURITY = f"""
alter table identity_users enable row level security;
grant select on identity_users to backbeat_user;
grant update (username, display_name, avatar_url, bio, preferred_genres, default_bpm,
  default_key, preferred_lufs_target, updated_at) on identity_users to backbeat_user;
create policy identity_users_read_own on identity_users for select to backbeat_user
  using (id = {OWN} or {IS_ADMIN});
create policy identity_users_update_own on identity_users for update to backbeat_user
  using (id = {OWN}) with check (id = {OWN});

create view identity_public_profiles with (security_barrier) as
  select id, username, display_name, avatar_url, bio, roles, created_at
  from identity_users;
grant select on identity_public_profiles to backbeat_anon, backbeat_user;

alter table identity_sessions enable row level security;
grant select (id, user_id, method, aal, device_id, device_name, device_type, ip, user_agent,
  created_at, last_active_at, expires_at, revoked_at, revoked_reason)
  on identity_sessions to backbeat_user;
grant update (last_active_at, revoked_at, revoked_reason) on identity_sessions to backbeat_user;
create policy identity_sessions_own on identity_sessions for select to backbeat_user
  using (user_id = {OWN});
create policy identity_sessions_revoke_own on identity_sessions for update to backbeat_user
  using (user_id = {OWN}) with check (user_id = {OWN});

alter table identity_wallets enable row level security;
grant select on identity_wallets to backbeat_user;
create policy identity_wallets_own on identity_wallets for select to backbeat_user
  using (user_id = {OWN});

alter table identity_personal_access_tokens enable row level security;
grant select (id, user_id, name, scopes, hint, created_at, last_used_at, expires_at, revoked_at)
  on identity_personal_access_tokens to backbeat_user;
grant update (revoked_at) on identity_personal_access_tokens to backbeat_user;
create policy identity_pats_own on identity_personal_access_tokens for select to backbeat_user
  using (user_id = {OWN});
create policy identity_pats_revoke_own on identity_personal_access_tokens for update
  to backbeat_user using (user_id = {OWN}) with check (user_id = {OWN});

alter table identity_oauth_connections enable row level security;
grant select (user_id, provider, provider_account_id, scopes, expires_at, created_at, updated_at)
  on identity_oauth_connections to backbeat_user;
grant insert, update, delete on identity_oauth_connections to backbeat_user;
create policy identity_connections_read_own on identity_oauth_connections for select
  to backbeat_user using (user_id = {OWN});
create policy identity_connections_insert_own on identity_oauth_connections for insert
  to backbeat_user with check (user_id = {OWN});
create policy identity_connections_update_own on identity_oauth_connections for update
  to backbeat_user using (user_id = {OWN}) with check (user_id = {OWN});
create policy identity_connections_delete_own on identity_oauth_connections for delete
  to backbeat_user using (user_id = {OWN});

alter table identity_security_events enable row level security;
grant select on identity_security_events to backbeat_user;
create policy identity_security_events_read on identity_security_events for select
  to backbeat_user using (user_id = {OWN} or {IS_ADMIN});

alter table identity_mfa_totp enable row level security;
grant select (user_id, confirmed_at, created_at) on identity_mfa_totp to backbeat_user;
create policy identity_mfa_totp_own on identity_mfa_totp for select to backbeat_user
  using (user_id = {OWN});
"""


def enable_row_security() -> None:
    """Policies on every identity table; the secret-holding ones are service-only."""
    op.execute(ROW_SECURITY)
    for table in SERVICE_ONLY_TABLES:
        op.execute(f"alter table {table} enable row level security")


def upgrade() -> None:
    op.create_table(
        "identity_email_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("to_address", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_email_outbox")),
    )
    op.create_index(
        op.f("ix_identity_email_outbox_to_address"),
        "identity_email_outbox",
        ["to_address"],
        unique=False,
    )
    op.create_table(
        "identity_rate_limits",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_identity_rate_limits")),
    )
    op.create_index(
        op.f("ix_identity_rate_limits_expires_at"),
        "identity_rate_limits",
        ["expires_at"],
        unique=False,
    )
    op.create_table(
        "identity_users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), server_default="", nullable=False),
        sa.Column("avatar_url", sa.Text(), nullable=True),
        sa.Column("bio", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "roles",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("array['listener']::text[]"),
            nullable=False,
        ),
        sa.Column(
            "preferred_genres",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("default_bpm", sa.Integer(), nullable=True),
        sa.Column("default_key", sa.Text(), nullable=True),
        sa.Column("preferred_lufs_target", sa.Float(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "roles <@ array['listener','artist','admin']::text[]",
            name=op.f("ck_identity_users_known_roles"),
        ),
        sa.CheckConstraint(
            "username ~ '^[a-z0-9_]{3,30}$'", name=op.f("ck_identity_users_username_format")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_users")),
    )
    op.create_index(
        "uq_identity_users_lower_email",
        "identity_users",
        [sa.literal_column("lower(email)")],
        unique=True,
    )
    op.create_index(
        "uq_identity_users_lower_username",
        "identity_users",
        [sa.literal_column("lower(username)")],
        unique=True,
    )
    op.create_table(
        "identity_wallet_challenges",
        sa.Column("nonce", sa.Text(), nullable=False),
        sa.Column("caip10", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_identity_wallet_challenges")),
    )
    op.create_index(
        op.f("ix_identity_wallet_challenges_expires_at"),
        "identity_wallet_challenges",
        ["expires_at"],
        unique=False,
    )
    op.create_table(
        "identity_backup_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_identity_backup_codes_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_backup_codes")),
    )
    op.create_index(
        op.f("ix_identity_backup_codes_user_id"), "identity_backup_codes", ["user_id"], unique=False
    )
    op.create_table(
        "identity_credentials",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column(
            "password_changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lockouts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_identity_credentials_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_identity_credentials")),
    )
    op.create_table(
        "identity_email_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "purpose in ('verify_email','reset_password')",
            name=op.f("ck_identity_email_tokens_purpose"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_identity_email_tokens_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_email_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_identity_email_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_identity_email_tokens_user_id"), "identity_email_tokens", ["user_id"], unique=False
    )
    op.create_table(
        "identity_mfa_totp",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_identity_mfa_totp_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_identity_mfa_totp")),
    )
    op.create_table(
        "identity_oauth_connections",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("provider_account_id", sa.Text(), nullable=True),
        sa.Column("access_token_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("refresh_token_sealed", sa.LargeBinary(), nullable=True),
        sa.Column(
            "scopes",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "provider in ('spotify','apple_music','youtube')",
            name=op.f("ck_identity_oauth_connections_provider"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_identity_oauth_connections_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "provider", name=op.f("pk_identity_oauth_connections")),
    )
    op.create_table(
        "identity_personal_access_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("hint", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_identity_personal_access_tokens_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_personal_access_tokens")),
        sa.UniqueConstraint(
            "token_hash", name=op.f("uq_identity_personal_access_tokens_token_hash")
        ),
    )
    op.create_index(
        op.f("ix_identity_personal_access_tokens_user_id"),
        "identity_personal_access_tokens",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "identity_security_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column(
            "detail",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_identity_security_events_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_security_events")),
    )
    op.create_index(
        "ix_identity_security_events_user_id_id",
        "identity_security_events",
        ["user_id", "id"],
        unique=False,
    )
    op.create_table(
        "identity_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("aal", sa.Text(), server_default="aal1", nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.Column("device_name", sa.Text(), nullable=True),
        sa.Column("device_type", sa.Text(), server_default="web", nullable=False),
        sa.Column("device_token_hash", sa.Text(), nullable=True),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_active_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("aal in ('aal1','aal2')", name=op.f("ck_identity_sessions_aal")),
        sa.CheckConstraint(
            "device_type in ('desktop','web','mobile')",
            name=op.f("ck_identity_sessions_device_type"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_identity_sessions_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_sessions")),
        sa.UniqueConstraint(
            "device_token_hash", name=op.f("uq_identity_sessions_device_token_hash")
        ),
    )
    op.create_index(
        "ix_identity_sessions_user_id_created_at",
        "identity_sessions",
        ["user_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "identity_wallets",
        sa.Column("caip10", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_identity_wallets_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("caip10", name=op.f("pk_identity_wallets")),
    )
    op.create_index(
        op.f("ix_identity_wallets_user_id"), "identity_wallets", ["user_id"], unique=False
    )
    op.create_index(
        "uq_identity_wallets_primary",
        "identity_wallets",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("is_primary"),
    )
    op.create_table(
        "identity_refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["identity_sessions.id"],
            name=op.f("fk_identity_refresh_tokens_session_id_identity_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_identity_refresh_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_identity_refresh_tokens_session_id"),
        "identity_refresh_tokens",
        ["session_id"],
        unique=False,
    )
    enable_row_security()


def downgrade() -> None:
    op.execute("drop view if exists identity_public_profiles")
    op.drop_index(
        op.f("ix_identity_refresh_tokens_session_id"), table_name="identity_refresh_tokens"
    )
    op.drop_table("identity_refresh_tokens")
    op.drop_index(
        "uq_identity_wallets_primary",
        table_name="identity_wallets",
        postgresql_where=sa.text("is_primary"),
    )
    op.drop_index(op.f("ix_identity_wallets_user_id"), table_name="identity_wallets")
    op.drop_table("identity_wallets")
    op.drop_index("ix_identity_sessions_user_id_created_at", table_name="identity_sessions")
    op.drop_table("identity_sessions")
    op.drop_index("ix_identity_security_events_user_id_id", table_name="identity_security_events")
    op.drop_table("identity_security_events")
    op.drop_index(
        op.f("ix_identity_personal_access_tokens_user_id"),
        table_name="identity_personal_access_tokens",
    )
    op.drop_table("identity_personal_access_tokens")
    op.drop_table("identity_oauth_connections")
    op.drop_table("identity_mfa_totp")
    op.drop_index(op.f("ix_identity_email_tokens_user_id"), table_name="identity_email_tokens")
    op.drop_table("identity_email_tokens")
    op.drop_table("identity_credentials")
    op.drop_index(op.f("ix_identity_backup_codes_user_id"), table_name="identity_backup_codes")
    op.drop_table("identity_backup_codes")
    op.drop_index(
        op.f("ix_identity_wallet_challenges_expires_at"), table_name="identity_wallet_challenges"
    )
    op.drop_table("identity_wallet_challenges")
    op.drop_index("uq_identity_users_lower_username", table_name="identity_users")
    op.drop_index("uq_identity_users_lower_email", table_name="identity_users")
    op.drop_table("identity_users")
    op.drop_index(op.f("ix_identity_rate_limits_expires_at"), table_name="identity_rate_limits")
    op.drop_table("identity_rate_limits")
    op.drop_index(op.f("ix_identity_email_outbox_to_address"), table_name="identity_email_outbox")
    op.drop_table("identity_email_outbox")
