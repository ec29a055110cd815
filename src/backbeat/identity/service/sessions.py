"""Sessions: issuing tokens, password sign-in with lockout, refresh rotation, revocation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from backbeat.errors import NotFound
from backbeat.identity import access_tokens, opaque_tokens
from backbeat.identity.errors import (
    AccountLocked,
    InvalidCredentials,
    InvalidMfaCode,
    InvalidRefreshToken,
)
from backbeat.identity.models import Credential, RefreshToken, Session, User, Wallet
from backbeat.identity.password_hashing import dummy_verify, hash_password, verify_password
from backbeat.identity.schemas import DeviceIn, PasswordGrant, RefreshGrant
from backbeat.identity.service import mfa
from backbeat.identity.service.accounts import Account, app_role, get_account
from backbeat.identity.service.audit import ClientInfo, record_event
from backbeat.identity.service.context import IdentityContext, utcnow
from backbeat.identity.service.ratelimits import Limit, account_key, enforce

MAX_LOCKOUT = timedelta(hours=24)
ACTIVITY_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedTokens:
    """What a sign-in or refresh hands out; the refresh and device tokens are shown only now."""

    user: User
    account: Account
    session_id: uuid.UUID
    access_token: str
    expires_in: int
    refresh_token: str
    device_token: str | None = None


async def primary_wallet(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    """The user's primary wallet (CAIP-10): the `wallet_address` claim."""
    query = select(Wallet.caip10).where(Wallet.user_id == user_id, Wallet.is_primary)
    caip10: str | None = await session.scalar(query)
    return caip10


async def access_token_for(
    session: AsyncSession, ctx: IdentityContext, user: User, row: Session
) -> str:
    """A signed access token for a session, with the user's current role and wallet."""
    return access_tokens.issue_access_token(
        ctx.keys.keyring,
        sub=str(user.id),
        role=app_role(user.roles),
        aal="aal2" if row.aal == "aal2" else "aal1",
        session_id=str(row.id),
        wallet_address=await primary_wallet(session, user.id),
        now=utcnow(),
        ttl_seconds=ctx.settings.access_token_ttl_seconds,
    )


async def _new_refresh_token(session: AsyncSession, session_id: uuid.UUID) -> str:
    """Add a fresh refresh token to a session's family and return it (stored as a hash)."""
    opaque = opaque_tokens.new_opaque_token(opaque_tokens.REFRESH_PREFIX)
    session.add(RefreshToken(session_id=session_id, token_hash=opaque.sha256_hex))
    await session.flush()
    return opaque.token


async def _issue(
    session: AsyncSession,
    ctx: IdentityContext,
    user: User,
    row: Session,
    *,
    device_token: str | None = None,
) -> IssuedTokens:
    """Tokens for a session, with the account as it is after signing in."""
    access_token = await access_token_for(session, ctx, user, row)
    refresh_token = await _new_refresh_token(session, row.id)
    await session.refresh(user)
    return IssuedTokens(
        user=user,
        account=await get_account(session, user.id),
        session_id=row.id,
        access_token=access_token,
        expires_in=ctx.settings.access_token_ttl_seconds,
        refresh_token=refresh_token,
        device_token=device_token,
    )


async def start_session(
    session: AsyncSession,
    ctx: IdentityContext,
    user: User,
    *,
    method: str,
    aal: str,
    device: DeviceIn | None,
    client: ClientInfo,
) -> IssuedTokens:
    """A new session with its first refresh token (and a device token for desktop apps)."""
    device = device or DeviceIn()
    now, settings = utcnow(), ctx.settings
    desktop = device.type == "desktop"
    device_token = opaque_tokens.new_opaque_token(opaque_tokens.DEVICE_PREFIX) if desktop else None
    lifetime = settings.device_token_ttl_days if desktop else settings.refresh_token_ttl_days
    row = Session(
        user_id=user.id,
        method=method,
        aal=aal,
        device_id=device.id,
        device_name=device.name,
        device_type=device.type,
        device_token_hash=device_token.sha256_hex if device_token else None,
        ip=client.ip,
        user_agent=client.user_agent,
        expires_at=now + timedelta(days=lifetime),
    )
    session.add(row)
    await session.flush()
    user.last_login_at = now
    await record_event(session, "sign_in", user_id=user.id, client=client, method=method, aal=aal)
    return await _issue(
        session, ctx, user, row, device_token=device_token.token if device_token else None
    )


async def grant_tokens(
    session: AsyncSession,
    ctx: IdentityContext,
    grant: PasswordGrant | RefreshGrant,
    client: ClientInfo,
) -> IssuedTokens:
    """POST /v1/auth/token: the password grant signs in, the refresh grant rotates."""
    if isinstance(grant, RefreshGrant):
        return await refresh(session, ctx, refresh_token=grant.refresh_token, client=client)
    return await sign_in_with_password(
        session,
        ctx,
        email=grant.email,
        password=grant.password,
        totp_code=grant.totp_code,
        device=grant.device,
        client=client,
    )


def _account_limit(ctx: IdentityContext) -> Limit:
    return Limit(ctx.settings.rate_limit_account_per_15_minutes, 15 * 60)


async def sign_in_with_password(
    session: AsyncSession,
    ctx: IdentityContext,
    *,
    email: str,
    password: str,
    totp_code: str | None,
    device: DeviceIn | None,
    client: ClientInfo,
) -> IssuedTokens:
    """Email and password (and a second factor when enrolled); one answer for every failure."""
    await enforce(ctx.limiter, session, account_key("signin", email), _account_limit(ctx))
    row = (
        await session.execute(
            select(User, Credential)
            .join(Credential, Credential.user_id == User.id)
            .where(func.lower(User.email) == email)
            .with_for_update(of=Credential)
        )
    ).first()
    if row is None:
        dummy_verify(password)
        await record_event(session, "sign_in_failed", user_id=None, client=client, reason="unknown")
        raise InvalidCredentials("The email or password is wrong.")
    user, credential = row
    _refuse_if_locked(credential)
    await _check_password(session, ctx, user, credential, password, client)
    try:
        aal = await mfa.second_factor_for_sign_in(session, ctx, user, totp_code, client)
    except InvalidMfaCode:  # guessing codes counts toward the lockout like guessing passwords
        await _record_failure(session, ctx, user, credential, client, reason="mfa")
        raise
    credential.failed_attempts, credential.lockouts, credential.locked_until = 0, 0, None
    return await start_session(
        session, ctx, user, method="password", aal=aal, device=device, client=client
    )


def _refuse_if_locked(credential: Credential) -> None:
    """429 while a lockout lasts, even for the right password."""
    now = utcnow()
    if credential.locked_until is not None and credential.locked_until > now:
        wait = max(1, int((credential.locked_until - now).total_seconds()) + 1)
        raise AccountLocked(
            f"Too many failed sign-ins; try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
            retry_after=wait,
        )


async def _check_password(
    session: AsyncSession,
    ctx: IdentityContext,
    user: User,
    credential: Credential,
    password: str,
    client: ClientInfo,
) -> None:
    """Verify, count a failure toward the lockout, and upgrade old hashes."""
    result = verify_password(credential.password_hash, password)
    if not result.ok:
        await _record_failure(session, ctx, user, credential, client, reason="password")
        raise InvalidCredentials("The email or password is wrong.")
    if result.needs_rehash:
        credential.password_hash = hash_password(password)


async def _record_failure(
    session: AsyncSession,
    ctx: IdentityContext,
    user: User,
    credential: Credential,
    client: ClientInfo,
    *,
    reason: str,
) -> None:
    """Every `lockout_threshold` failures lock the account for twice as long as last time."""
    credential.failed_attempts += 1
    await record_event(session, "sign_in_failed", user_id=user.id, client=client, reason=reason)
    if credential.failed_attempts < ctx.settings.lockout_threshold:
        return
    credential.failed_attempts = 0
    credential.lockouts += 1
    seconds = ctx.settings.lockout_base_seconds * 2 ** min(credential.lockouts - 1, 16)
    duration = min(timedelta(seconds=seconds), MAX_LOCKOUT)
    credential.locked_until = utcnow() + duration
    await record_event(
        session,
        "account_locked",
        user_id=user.id,
        client=client,
        seconds=int(duration.total_seconds()),
    )


async def refresh(
    session: AsyncSession, ctx: IdentityContext, *, refresh_token: str, client: ClientInfo
) -> IssuedTokens:
    """Rotate: the presented token is spent; presenting a spent one revokes its whole family."""
    token_hash = opaque_tokens.hash_opaque_token(refresh_token)
    spent = await session.scalar(
        update(RefreshToken)
        .where(RefreshToken.token_hash == token_hash, RefreshToken.used_at.is_(None))
        .values(used_at=func.now())
        .returning(RefreshToken.session_id)
    )
    if spent is None:
        await _detect_reuse(session, token_hash, client)
        raise InvalidRefreshToken("The refresh token is invalid or was already used.")
    row = await session.get(Session, spent, with_for_update=True)
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise InvalidRefreshToken("The session has ended; sign in again.")
    user = await session.get(User, row.user_id)
    if user is None:
        raise InvalidRefreshToken("The session has ended; sign in again.")
    row.last_active_at, row.ip, row.user_agent = utcnow(), client.ip, client.user_agent
    return await _issue(session, ctx, user, row)


async def _detect_reuse(session: AsyncSession, token_hash: str, client: ClientInfo) -> None:
    """A known but spent token means it leaked (or raced): end the family, record it."""
    session_id = await session.scalar(
        select(RefreshToken.session_id).where(RefreshToken.token_hash == token_hash)
    )
    if session_id is None:
        return
    row = await session.get(Session, session_id, with_for_update=True)
    if row is None:
        return
    if row.revoked_at is None:
        row.revoked_at, row.revoked_reason = utcnow(), "refresh_token_reused"
    await record_event(
        session, "refresh_token_reused", user_id=row.user_id, client=client, session_id=str(row.id)
    )


async def is_session_active(session: AsyncSession, session_id: uuid.UUID) -> bool:
    """Not revoked and not expired; also notes the session's activity (once a minute)."""
    query = select(Session.last_active_at).where(
        Session.id == session_id, Session.revoked_at.is_(None), Session.expires_at > func.now()
    )
    last_active = await session.scalar(query)
    if last_active is None:
        return False
    await touch(session, session_id, last_active)
    return True


async def touch(session: AsyncSession, session_id: uuid.UUID, last_active: datetime) -> None:
    """Record activity at a one-minute resolution, so reads do not write on every request."""
    if utcnow() - last_active > ACTIVITY_RESOLUTION:
        await session.execute(
            update(Session).where(Session.id == session_id).values(last_active_at=func.now())
        )


async def session_for_device_token(session: AsyncSession, token: str) -> Session | None:
    """The live desktop session a device token belongs to."""
    query = select(Session).where(
        Session.device_token_hash == opaque_tokens.hash_opaque_token(token),
        Session.revoked_at.is_(None),
        Session.expires_at > func.now(),
    )
    row: Session | None = await session.scalar(query)
    return row


async def list_sessions(session: AsyncSession, *, user_id: uuid.UUID) -> Sequence[Session]:
    """Live sessions, newest first (the device token hash is not readable by the API role)."""
    query = (
        select(Session)
        .options(defer(Session.device_token_hash, raiseload=True))
        .where(
            Session.user_id == user_id,
            Session.revoked_at.is_(None),
            Session.expires_at > func.now(),
        )
        .order_by(Session.created_at.desc())
    )
    return (await session.scalars(query)).all()


async def revoke_sessions(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    reason: str,
    only: uuid.UUID | None = None,
    keep: uuid.UUID | None = None,
) -> int:
    """Revoke one session (`only`) or all but `keep`; returns how many were live."""
    statement = update(Session).where(Session.user_id == user_id, Session.revoked_at.is_(None))
    if only is not None:
        statement = statement.where(Session.id == only)
    if keep is not None:
        statement = statement.where(Session.id != keep)
    result = await session.execute(
        statement.values(revoked_at=func.now(), revoked_reason=reason).returning(Session.id)
    )
    return len(result.all())


async def revoke_session(
    session: AsyncSession, *, user_id: uuid.UUID, session_id: uuid.UUID
) -> None:
    """Revoke one of the user's live sessions, or 404."""
    if not await revoke_sessions(session, user_id=user_id, reason="revoked", only=session_id):
        raise NotFound("No such live session.")


async def raise_session_aal(session: AsyncSession, session_id: uuid.UUID) -> Session:
    """Mark a session as having passed the second factor."""
    row = await session.get(Session, session_id)
    if row is None or row.revoked_at is not None:
        raise InvalidRefreshToken("The session has ended; sign in again.")
    row.aal = "aal2"
    await session.flush()
    return row
