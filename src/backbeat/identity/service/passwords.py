"""Password change and reset, and email verification, with single-use hashed email tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity import opaque_tokens
from backbeat.identity.errors import InvalidCredentials, InvalidEmailToken
from backbeat.identity.mailer import Email
from backbeat.identity.models import Credential, EmailToken, User
from backbeat.identity.password_hashing import hash_password, verify_password
from backbeat.identity.service import mfa
from backbeat.identity.service.accounts import enforce_password_policy, get_user
from backbeat.identity.service.audit import ClientInfo, record_event
from backbeat.identity.service.context import IdentityContext, utcnow
from backbeat.identity.service.ratelimits import Limit, account_key, enforce
from backbeat.identity.service.sessions import revoke_sessions

EMAIL_TOKEN_PREFIX = "bbe_"  # noqa: S105 - a prefix, not a secret


async def _set_password(session: AsyncSession, user: User, password: str) -> None:
    """Store a new argon2id hash (creating the credential for a wallet-only account)."""
    enforce_password_policy(password, email=user.email, username=user.username)
    credential = await session.get(Credential, user.id, with_for_update=True)
    if credential is None:
        session.add(Credential(user_id=user.id, password_hash=hash_password(password)))
        return
    credential.password_hash = hash_password(password)
    credential.password_changed_at = utcnow()
    credential.failed_attempts, credential.lockouts, credential.locked_until = 0, 0, None


async def change_password(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    aal: str,
    current_password: str | None,
    new_password: str,
    client: ClientInfo,
) -> int:
    """Check the current password (and aal2 with MFA), then revoke every other session."""
    await mfa.ensure_aal2(session, user_id=user_id, aal=aal)
    user = await get_user(session, user_id)
    credential = await session.get(Credential, user_id)
    if credential is not None:
        ok = (
            current_password is not None
            and verify_password(credential.password_hash, current_password).ok
        )
        if not ok:
            await record_event(session, "password_change_failed", user_id=user_id, client=client)
            raise InvalidCredentials("The current password is wrong.")
    await _set_password(session, user, new_password)
    revoked = await revoke_sessions(
        session, user_id=user_id, reason="password_changed", keep=session_id
    )
    await record_event(
        session, "password_changed", user_id=user_id, client=client, sessions_revoked=revoked
    )
    return revoked


async def _issue_email_token(
    session: AsyncSession, ctx: IdentityContext, user: User, purpose: str
) -> str:
    """A single-use token stored as its SHA-256; the plain token goes only into the email."""
    opaque = opaque_tokens.new_opaque_token(EMAIL_TOKEN_PREFIX)
    lifetime = timedelta(minutes=ctx.settings.email_token_ttl_minutes)
    session.add(
        EmailToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=opaque.sha256_hex,
            expires_at=utcnow() + lifetime,
        )
    )
    await session.flush()
    return opaque.token


async def send_verification(session: AsyncSession, ctx: IdentityContext, user: User) -> None:
    """Email a link that proves the address belongs to the user."""
    if user.email is None:
        return
    token = await _issue_email_token(session, ctx, user, "verify_email")
    link = f"{ctx.settings.public_base_url}/verify-email?token={token}"
    body = f"Confirm your email for Backbeat:\n\n{link}\n\nToken: {token}\n"
    await ctx.mailer.send(session, Email(user.email, "verify_email", "Confirm your email", body))


async def request_reset(
    session: AsyncSession, ctx: IdentityContext, *, email: str, client: ClientInfo
) -> None:
    """Email a reset token if the account exists; the answer is the same either way."""
    budget = Limit(ctx.settings.rate_limit_account_per_15_minutes, 15 * 60)
    await enforce(ctx.limiter, session, account_key("reset", email), budget)
    user = await session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or user.email is None:
        return
    token = await _issue_email_token(session, ctx, user, "reset_password")
    minutes = ctx.settings.email_token_ttl_minutes
    link = f"{ctx.settings.public_base_url}/reset-password?token={token}"
    body = (
        f"Someone asked to reset your Backbeat password. If it was you, open:\n\n{link}\n\n"
        f"Token: {token}\nIt works once, for {minutes} minutes. Otherwise ignore this email.\n"
    )
    await ctx.mailer.send(session, Email(user.email, "reset_password", "Reset your password", body))
    await record_event(session, "password_reset_requested", user_id=user.id, client=client)


async def _spend_email_token(session: AsyncSession, token: str, purpose: str) -> uuid.UUID:
    """Mark a live token used and return its user, or refuse (unknown, used or expired)."""
    user_id = await session.scalar(
        update(EmailToken)
        .where(
            EmailToken.token_hash == opaque_tokens.hash_opaque_token(token),
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
            EmailToken.expires_at > func.now(),
        )
        .values(used_at=func.now())
        .returning(EmailToken.user_id)
    )
    if user_id is None:
        raise InvalidEmailToken("The link is invalid, expired, or was already used.")
    return user_id


async def reset_password(
    session: AsyncSession, *, token: str, new_password: str, client: ClientInfo
) -> None:
    """Set a new password from a reset token and sign out every session."""
    user = await get_user(session, await _spend_email_token(session, token, "reset_password"))
    await _set_password(session, user, new_password)
    revoked = await revoke_sessions(session, user_id=user.id, reason="password_reset")
    await record_event(
        session, "password_reset", user_id=user.id, client=client, sessions_revoked=revoked
    )


async def verify_email(session: AsyncSession, *, token: str, client: ClientInfo) -> None:
    """Mark the email verified."""
    user = await get_user(session, await _spend_email_token(session, token, "verify_email"))
    user.email_verified_at = utcnow()
    await record_event(session, "email_verified", user_id=user.id, client=client)
