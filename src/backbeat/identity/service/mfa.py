"""Second factors: TOTP enrolment and confirmation, backup codes, step-up to aal2, removal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import NotFound
from backbeat.identity import backup_codes, totp
from backbeat.identity.errors import (
    Aal2Required,
    InvalidMfaCode,
    MfaAlreadyEnabled,
    MfaRequired,
)
from backbeat.identity.models import BackupCode, TotpFactor, User
from backbeat.identity.service.accounts import get_user
from backbeat.identity.service.audit import ClientInfo, record_event
from backbeat.identity.service.context import IdentityContext, utcnow


@dataclass(frozen=True)
class Enrolment:
    """Shown once: the secret and the otpauth:// URI to scan."""

    secret: str
    otpauth_uri: str


def _aad(user_id: uuid.UUID) -> bytes:
    """Bind a sealed TOTP secret to its owner: a secret copied to another row will not open."""
    return b"totp:" + user_id.bytes


async def confirmed_factor(session: AsyncSession, user_id: uuid.UUID) -> TotpFactor | None:
    """The user's TOTP factor once confirmed (the user 'has MFA')."""
    factor = await session.get(TotpFactor, user_id, with_for_update=True)
    return factor if factor is not None and factor.confirmed_at is not None else None


async def has_mfa(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """Whether sign-in and sensitive operations need a second factor."""
    query = select(TotpFactor.confirmed_at).where(TotpFactor.user_id == user_id)
    return await session.scalar(query) is not None


async def ensure_aal2(session: AsyncSession, *, user_id: uuid.UUID, aal: str) -> None:
    """Sensitive operations (password change, MFA removal, payouts) need aal2 once MFA is on."""
    if aal != "aal2" and await has_mfa(session, user_id):
        raise Aal2Required(
            "This operation needs a second factor: POST /v1/auth/mfa/totp/verify first."
        )


async def enrol(
    session: AsyncSession, ctx: IdentityContext, *, user_id: uuid.UUID, client: ClientInfo
) -> Enrolment:
    """Start (or restart) an unconfirmed TOTP enrolment."""
    user = await get_user(session, user_id)
    existing = await session.get(TotpFactor, user.id, with_for_update=True)
    if existing is not None and existing.confirmed_at is not None:
        raise MfaAlreadyEnabled("TOTP is already enabled; remove it before enrolling again.")
    secret = totp.new_totp_secret()
    sealed = ctx.keys.totp_box.seal(secret.encode(), associated_data=_aad(user.id))
    if existing is None:
        session.add(TotpFactor(user_id=user.id, secret_sealed=sealed))
    else:
        existing.secret_sealed, existing.last_used_step = sealed, None
    await record_event(session, "mfa_enrolment_started", user_id=user.id, client=client)
    await session.flush()
    account = user.email or user.username
    return Enrolment(secret, totp.totp_provisioning_uri(secret, account_name=account))


async def _check_totp(ctx: IdentityContext, factor: TotpFactor, code: str) -> bool:
    """Verify a TOTP code and remember its step so it cannot be replayed."""
    secret = ctx.keys.totp_box.open(factor.secret_sealed, associated_data=_aad(factor.user_id))
    step = totp.verify_totp(
        secret.decode(), code, now=utcnow(), last_used_step=factor.last_used_step
    )
    if step is None:
        return False
    factor.last_used_step = step
    return True


async def _use_backup_code(session: AsyncSession, user_id: uuid.UUID, code: str) -> bool:
    """Spend one unused backup code, if it matches."""
    hashed = backup_codes.hash_backup_code(code, user_id=str(user_id))
    spent = await session.scalar(
        update(BackupCode)
        .where(
            BackupCode.user_id == user_id,
            BackupCode.code_hash == hashed,
            BackupCode.used_at.is_(None),
        )
        .values(used_at=func.now())
        .returning(BackupCode.id)
    )
    return spent is not None


async def check_second_factor(
    session: AsyncSession, ctx: IdentityContext, factor: TotpFactor, code: str, client: ClientInfo
) -> None:
    """A TOTP code (six digits) or a backup code; failures are recorded and refused."""
    digits = code.replace(" ", "")
    is_totp = len(digits) == totp.TOTP_DIGITS and digits.isdigit()
    if is_totp and await _check_totp(ctx, factor, digits):
        return
    if not is_totp and await _use_backup_code(session, factor.user_id, code):
        await record_event(session, "backup_code_used", user_id=factor.user_id, client=client)
        return
    await record_event(session, "mfa_failed", user_id=factor.user_id, client=client)
    raise InvalidMfaCode("The code is wrong or was already used.")


async def second_factor_for_sign_in(
    session: AsyncSession,
    ctx: IdentityContext,
    user: User,
    code: str | None,
    client: ClientInfo,
) -> str:
    """The session's assurance level after the password: aal2 with a valid code."""
    factor = await confirmed_factor(session, user.id)
    if factor is None:
        return "aal1"
    if not code:
        raise MfaRequired("This account has two-factor authentication: send totp_code.")
    await check_second_factor(session, ctx, factor, code, client)
    return "aal2"


async def verify(
    session: AsyncSession, ctx: IdentityContext, user: User, code: str, client: ClientInfo
) -> list[str] | None:
    """Confirm an enrolment (returns ten backup codes, shown once) or step up (returns None)."""
    factor = await session.get(TotpFactor, user.id, with_for_update=True)
    if factor is None:
        raise NotFound("No TOTP enrolment: POST /v1/auth/mfa/totp first.")
    if factor.confirmed_at is not None:
        await check_second_factor(session, ctx, factor, code, client)
        await record_event(session, "mfa_step_up", user_id=user.id, client=client)
        return None
    if not await _check_totp(ctx, factor, code):
        await record_event(session, "mfa_failed", user_id=user.id, client=client)
        raise InvalidMfaCode("The code is wrong; check the authenticator's clock.")
    factor.confirmed_at = utcnow()
    codes = backup_codes.new_backup_codes()
    await session.execute(delete(BackupCode).where(BackupCode.user_id == user.id))
    session.add_all(
        BackupCode(
            user_id=user.id, code_hash=backup_codes.hash_backup_code(c, user_id=str(user.id))
        )
        for c in codes
    )
    await record_event(session, "mfa_enabled", user_id=user.id, client=client)
    return codes


async def remove(
    session: AsyncSession, *, user_id: uuid.UUID, aal: str, client: ClientInfo
) -> None:
    """Remove TOTP and backup codes (needs aal2 when confirmed)."""
    factor = await session.get(TotpFactor, user_id, with_for_update=True)
    if factor is None:
        raise NotFound("TOTP is not enabled.")
    if factor.confirmed_at is not None and aal != "aal2":
        raise Aal2Required("Removing two-factor authentication needs a second factor first.")
    await session.delete(factor)
    await session.execute(delete(BackupCode).where(BackupCode.user_id == user_id))
    await record_event(session, "mfa_removed", user_id=user_id, client=client)
