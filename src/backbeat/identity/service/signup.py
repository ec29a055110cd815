"""Sign-up: a new account, the email that verifies its address, and its first session."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.schemas import SignupIn
from backbeat.identity.service.accounts import create_user
from backbeat.identity.service.audit import ClientInfo
from backbeat.identity.service.context import IdentityContext
from backbeat.identity.service.passwords import send_verification
from backbeat.identity.service.sessions import IssuedTokens, start_session


async def sign_up(
    session: AsyncSession, ctx: IdentityContext, body: SignupIn, client: ClientInfo
) -> IssuedTokens:
    """Create an account with email and password, email a verification link, and sign in."""
    user = await create_user(
        session,
        email=body.email,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
    )
    await send_verification(session, ctx, user)
    return await start_session(
        session, ctx, user, method="password", aal="aal1", device=body.device, client=client
    )
