"""/v1/auth: sign-up, tokens, sessions, passwords, second factors and wallet sign-in."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response, status

from backbeat.edge import DbSession
from backbeat.identity import schemas
from backbeat.identity.auth import AuthSession, Client, Identity, SessionUser
from backbeat.identity.responses import tokens_out
from backbeat.identity.service import mfa, passwords, sessions, step_up, wallets
from backbeat.identity.service.ratelimits import Limit, enforce
from backbeat.identity.service.signup import sign_up

router = APIRouter(prefix="/v1/auth", tags=["auth"])


def ip_limit(name: str) -> Any:
    """A per-IP fixed-window limit for one endpoint family, reported in RateLimit-* headers."""

    async def limit(
        response: Response, session: AuthSession, context: Identity, client: Client
    ) -> None:
        budget = Limit(context.settings.rate_limit_ip_per_minute, 60)
        usage = await enforce(context.limiter, session, f"{name}:ip:{client.ip}", budget)
        response.headers.update(usage.headers())

    return Depends(limit)


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    dependencies=[ip_limit("signup")],
)
async def signup(
    body: schemas.SignupIn, session: AuthSession, context: Identity, client: Client
) -> schemas.TokensOut:
    """Create an account with email and password, and sign in."""
    return tokens_out(await sign_up(session, context, body, client))


@router.post("/token", dependencies=[ip_limit("token")])
async def token(
    body: Annotated[schemas.TokenRequest, Body()],
    session: AuthSession,
    context: Identity,
    client: Client,
) -> schemas.TokensOut:
    """Password grant (with totp_code for MFA users) or refresh-token grant (rotating)."""
    return tokens_out(await sessions.grant_tokens(session, context, body, client))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def logout(caller: SessionUser, session: AuthSession) -> None:
    """End the calling session (its refresh and device tokens stop working)."""
    assert caller.session_id is not None
    await sessions.revoke_sessions(
        session, user_id=caller.user_id, reason="logout", only=caller.session_id
    )


@router.get("/sessions")
async def list_sessions(caller: SessionUser, session: DbSession) -> list[schemas.SessionOut]:
    """Live sessions of the caller; `current` marks the one making this request."""
    rows = await sessions.list_sessions(session, user_id=caller.user_id)
    return [
        schemas.SessionOut.model_validate(row).model_copy(
            update={"current": row.id == caller.session_id}
        )
        for row in rows
    ]


@router.delete(
    "/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def revoke_session(session_id: uuid.UUID, caller: SessionUser, session: DbSession) -> None:
    """Revoke one of the caller's sessions."""
    await sessions.revoke_session(session, user_id=caller.user_id, session_id=session_id)


@router.post("/sessions/revoke-all")
async def revoke_all(
    caller: SessionUser,
    session: DbSession,
    include_current: Annotated[bool, Query()] = False,
) -> schemas.RevokedOut:
    """Sign out everywhere else (or everywhere, with include_current=true)."""
    keep = None if include_current else caller.session_id
    count = await sessions.revoke_sessions(
        session, user_id=caller.user_id, reason="revoked_all", keep=keep
    )
    return schemas.RevokedOut(revoked=count)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def change_password(
    body: schemas.PasswordChangeIn,
    caller: SessionUser,
    session: AuthSession,
    client: Client,
) -> None:
    """Change the password (aal2 if MFA is on); every other session is revoked."""
    assert caller.session_id is not None
    await passwords.change_password(
        session,
        user_id=caller.user_id,
        session_id=caller.session_id,
        aal=caller.aal,
        current_password=body.current_password,
        new_password=body.new_password,
        client=client,
    )


@router.post(
    "/password/reset-request",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    dependencies=[ip_limit("reset")],
)
async def request_reset(
    body: schemas.ResetRequestIn, session: AuthSession, context: Identity, client: Client
) -> None:
    """Email a reset token if the account exists (the answer never says whether it does)."""
    await passwords.request_reset(session, context, email=body.email, client=client)


@router.post(
    "/password/reset",
    dependencies=[ip_limit("reset")],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def reset_password(body: schemas.ResetIn, session: AuthSession, client: Client) -> None:
    """Set a new password with the emailed token; every session is revoked."""
    await passwords.reset_password(
        session, token=body.token, new_password=body.new_password, client=client
    )


@router.post(
    "/email/verify",
    dependencies=[ip_limit("verify")],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def verify_email(body: schemas.EmailVerifyIn, session: AuthSession, client: Client) -> None:
    """Confirm the email address with the emailed token."""
    await passwords.verify_email(session, token=body.token, client=client)


@router.post("/mfa/totp", status_code=status.HTTP_201_CREATED)
async def enrol_totp(
    caller: SessionUser, session: AuthSession, context: Identity, client: Client
) -> schemas.TotpEnrolmentOut:
    """Start TOTP enrolment: scan the URI, then confirm with a code."""
    enrolment = await mfa.enrol(session, context, user_id=caller.user_id, client=client)
    return schemas.TotpEnrolmentOut(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@router.post("/mfa/totp/verify")
async def verify_totp(
    body: schemas.TotpCodeIn,
    caller: SessionUser,
    session: AuthSession,
    context: Identity,
    client: Client,
) -> schemas.TotpVerifiedOut:
    """Confirm enrolment (returns backup codes once) or step up: either way the session is aal2."""
    assert caller.session_id is not None
    stepped_up = await step_up.verify_totp(
        session,
        context,
        user_id=caller.user_id,
        session_id=caller.session_id,
        code=body.code,
        client=client,
    )
    return schemas.TotpVerifiedOut(
        access_token=stepped_up.access_token,
        expires_in=stepped_up.expires_in,
        aal=stepped_up.aal,
        backup_codes=stepped_up.backup_codes,
    )


@router.delete("/mfa/totp", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def remove_totp(caller: SessionUser, session: AuthSession, client: Client) -> None:
    """Remove TOTP and the backup codes (needs aal2)."""
    await mfa.remove(session, user_id=caller.user_id, aal=caller.aal, client=client)


@router.post("/wallet/challenge", dependencies=[ip_limit("wallet")])
async def wallet_challenge(
    body: schemas.WalletChallengeIn, session: AuthSession, context: Identity
) -> schemas.WalletChallengeOut:
    """A message for the wallet to sign: SIWE (EIP-4361) for 0x…, the Stacks variant for SP…."""
    made = await wallets.challenge(session, context, address=body.address, chain_id=body.chain_id)
    return schemas.WalletChallengeOut(
        message=made.message, nonce=made.nonce, expires_at=made.expires_at, caip10=made.caip10
    )


@router.post("/wallet/verify", dependencies=[ip_limit("wallet")])
async def wallet_verify(
    body: schemas.WalletProofIn, session: AuthSession, context: Identity, client: Client
) -> schemas.TokensOut:
    """Sign in with a signed challenge; the first sign-in creates the account."""
    issued = await wallets.sign_in(
        session,
        context,
        message=body.message,
        signature=body.signature,
        device=body.device,
        client=client,
    )
    return tokens_out(issued)
