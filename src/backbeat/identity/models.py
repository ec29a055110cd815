"""Identity tables: users, credentials, sessions, second factors, wallets, tokens, events."""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backbeat.columns import now_column, user_ref
from backbeat.db import Base

ROLES = ("listener", "artist", "admin")
DEVICE_TYPES = ("desktop", "web", "mobile")


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7): PostgreSQL 16 cannot make one."""
    millis = time.time_ns() // 1_000_000
    value = (millis & (2**48 - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return uuid.UUID(int=value)


class User(Base):
    """A person on the platform; the public profile is the view identity_public_profiles."""

    __tablename__ = "identity_users"
    __table_args__ = (
        Index("uq_identity_users_lower_email", func.lower(text("email")), unique=True),
        Index("uq_identity_users_lower_username", func.lower(text("username")), unique=True),
        CheckConstraint("roles <@ array['listener','artist','admin']::text[]", name="known_roles"),
        CheckConstraint("username ~ '^[a-z0-9_]{3,30}$'", name="username_format"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str | None] = mapped_column(Text)
    email_verified_at: Mapped[datetime | None]
    username: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(Text, server_default="")
    avatar_url: Mapped[str | None] = mapped_column(Text)
    bio: Mapped[str] = mapped_column(Text, server_default="")
    roles: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("array['listener']::text[]")
    )
    preferred_genres: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]")
    )
    default_bpm: Mapped[int | None] = mapped_column(Integer)
    default_key: Mapped[str | None] = mapped_column(Text)
    preferred_lufs_target: Mapped[float | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()

    credential: Mapped[Credential | None] = relationship(lazy="raise", uselist=False)


class Credential(Base):
    """A user's password hash and lockout state (never readable through the API roles)."""

    __tablename__ = "identity_credentials"

    user_id: Mapped[uuid.UUID] = user_ref(primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    password_changed_at: Mapped[datetime] = now_column()
    failed_attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    lockouts: Mapped[int] = mapped_column(Integer, server_default="0")
    locked_until: Mapped[datetime | None]


class Session(Base):
    """A signed-in device: the family of its refresh tokens, revocable on its own."""

    __tablename__ = "identity_sessions"
    __table_args__ = (
        CheckConstraint("device_type in ('desktop','web','mobile')", name="device_type"),
        CheckConstraint("aal in ('aal1','aal2')", name="aal"),
        Index("ix_identity_sessions_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = user_ref()
    method: Mapped[str] = mapped_column(Text)
    aal: Mapped[str] = mapped_column(Text, server_default="aal1")
    device_id: Mapped[str | None] = mapped_column(Text)
    device_name: Mapped[str | None] = mapped_column(Text)
    device_type: Mapped[str] = mapped_column(Text, server_default="web")
    device_token_hash: Mapped[str | None] = mapped_column(Text, unique=True)
    ip: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()
    last_active_at: Mapped[datetime] = now_column()
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)


class RefreshToken(Base):
    """One refresh token of a session; used_at set means rotated, and showing it again is reuse."""

    __tablename__ = "identity_refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = now_column()
    used_at: Mapped[datetime | None]


class TotpFactor(Base):
    """A TOTP secret sealed with AES-GCM; confirmed once the user proved a first code."""

    __tablename__ = "identity_mfa_totp"

    user_id: Mapped[uuid.UUID] = user_ref(primary_key=True)
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    confirmed_at: Mapped[datetime | None]
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = now_column()


class BackupCode(Base):
    """One single-use backup code, hashed with its owner's id as salt."""

    __tablename__ = "identity_backup_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = user_ref(index=True)
    code_hash: Mapped[str] = mapped_column(Text)
    used_at: Mapped[datetime | None]


class Wallet(Base):
    """A wallet (CAIP-10) a user proved control of; it belongs to at most one user."""

    __tablename__ = "identity_wallets"
    __table_args__ = (
        Index(
            "uq_identity_wallets_primary",
            "user_id",
            unique=True,
            postgresql_where=text("is_primary"),
        ),
    )

    caip10: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[uuid.UUID] = user_ref(index=True)
    is_primary: Mapped[bool] = mapped_column(server_default="false")
    created_at: Mapped[datetime] = now_column()


class WalletChallenge(Base):
    """A server nonce for one sign-in message; consumed exactly once."""

    __tablename__ = "identity_wallet_challenges"

    nonce: Mapped[str] = mapped_column(Text, primary_key=True)
    caip10: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    consumed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = now_column()


class PersonalAccessToken(Base):
    """A named, scoped bearer token for integrators; only its hash is kept."""

    __tablename__ = "identity_personal_access_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = user_ref(index=True)
    name: Mapped[str] = mapped_column(Text)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    hint: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class OAuthConnection(Base):
    """A music-service account linked by the user; tokens sealed, never returned."""

    __tablename__ = "identity_oauth_connections"
    __table_args__ = (
        CheckConstraint("provider in ('spotify','apple_music','youtube')", name="provider"),
    )

    user_id: Mapped[uuid.UUID] = user_ref(primary_key=True)
    provider: Mapped[str] = mapped_column(Text, primary_key=True)
    provider_account_id: Mapped[str | None] = mapped_column(Text)
    access_token_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    refresh_token_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class SecurityEvent(Base):
    """An append-only audit record: sign-ins, lockouts, reuse, MFA, password, wallet changes."""

    __tablename__ = "identity_security_events"
    __table_args__ = (Index("ix_identity_security_events_user_id_id", "user_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID | None] = user_ref()
    kind: Mapped[str] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = now_column()


class EmailOutbox(Base):
    """Every email the default mailer sent (tests and development read it here)."""

    __tablename__ = "identity_email_outbox"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    to_address: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()


class RateLimitCounter(Base):
    """A fixed-window counter, used when no Redis is configured."""

    __tablename__ = "identity_rate_limits"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    window_start: Mapped[datetime]
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class EmailToken(Base):
    """A verification or reset token, kept only as a hash; single-use and expiring."""

    __tablename__ = "identity_email_tokens"
    __table_args__ = (
        CheckConstraint("purpose in ('verify_email','reset_password')", name="purpose"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = user_ref(index=True)
    purpose: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = now_column()
