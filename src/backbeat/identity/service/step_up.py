"""TOTP verification: confirming enrolment or stepping up, either way the session becomes aal2."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.service import mfa
from backbeat.identity.service.accounts import get_user
from backbeat.identity.service.audit import ClientInfo
from backbeat.identity.service.context import IdentityContext
from backbeat.identity.service.sessions import access_token_for, raise_session_aal


@dataclass(frozen=True)
class SteppedUp:
    """A fresh access token at the session's new level, and backup codes after enrolment."""

    access_token: str
    expires_in: int
    aal: str
    backup_codes: list[str] | None


async def verify_totp(
    session: AsyncSession,
    ctx: IdentityContext,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    code: str,
    client: ClientInfo,
) -> SteppedUp:
    """Check the code (confirming an enrolment returns backup codes once), then raise to aal2."""
    user = await get_user(session, user_id)
    codes = await mfa.verify(session, ctx, user, code, client)
    row = await raise_session_aal(session, session_id)
    return SteppedUp(
        access_token=await access_token_for(session, ctx, user, row),
        expires_in=ctx.settings.access_token_ttl_seconds,
        aal=row.aal,
        backup_codes=codes,
    )
