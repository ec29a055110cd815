"""The edge of identity: bearer tokens to claims, the caller, and the auth transaction."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.db import ANONYMOUS, Claims, require_live_session
from backbeat.edge import RequestClaims, Slot, app_state, request_scope
from backbeat.identity import access_tokens, opaque_tokens
from backbeat.identity.errors import InsufficientScope, InvalidToken, SessionRequired, keeps_changes
from backbeat.identity.models import User
from backbeat.identity.service import sessions
from backbeat.identity.service import tokens as pats
from backbeat.identity.service.accounts import app_role
from backbeat.identity.service.audit import ClientInfo
from backbeat.identity.service.context import IdentityContext, utcnow
from backbeat.identity.service.mfa import ensure_aal2

TokenKind = Literal["access", "device", "personal_access"]
BEARER = {"WWW-Authenticate": 'Bearer realm="backbeat"'}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of a request."""

    user_id: uuid.UUID
    role: str
    aal: str
    session_id: uuid.UUID | None
    wallet_address: str | None
    scopes: tuple[str, ...]
    kind: TokenKind

    @classmethod
    def of_personal_token(cls, owner: pats.TokenOwner) -> Caller:
        """The caller a personal access token acts as: its owner, with the token's scopes."""
        role = app_role(owner.roles)
        return cls(owner.user_id, role, "aal1", None, None, tuple(owner.scopes), "personal_access")

    def claims(self) -> Claims:
        """What row-level security sees through auth.jwt() (built once per caller)."""
        return self._claims

    @functools.cached_property
    def _claims(self) -> Claims:
        payload = {
            "app_role": self.role,
            "aal": self.aal,
            "session_id": str(self.session_id) if self.session_id else None,
            "wallet_address": self.wallet_address,
            "scopes": list(self.scopes),
            "token_kind": self.kind,
        }
        return Claims(sub=str(self.user_id), payload=payload)


IDENTITY: Slot[IdentityContext] = Slot("identity")


async def identity_context(request: Request) -> IdentityContext:
    """The app's identity context."""
    return app_state(request).component(IDENTITY)


def client_info(request: Request) -> ClientInfo:
    """The caller's address and user agent, for sessions and events."""
    ip = request.client.host if request.client else None
    return ClientInfo(ip=ip, user_agent=(request.headers.get("user-agent") or "")[:500] or None)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("The Authorization header must be `Bearer <token>`.", headers=BEARER)
    return token.strip()


async def _from_access_token(request: Request, token: str) -> Caller:
    """Verify the JWT (once per token and process); its session's liveness is checked by the
    request's first statement (`auth.require_live_session`), so it costs no round trip."""
    context = app_state(request).component(IDENTITY)
    try:
        return caller_for(context.keys.verified.decode(token, now=utcnow()))
    except (access_tokens.AccessTokenRejected, ValueError):
        raise InvalidToken("The access token is invalid or expired.", headers=BEARER) from None


@functools.lru_cache(maxsize=20_000)
def caller_for(claims: access_tokens.AccessClaims) -> Caller:
    """The caller a verified access token names (pure, so each token's is built once)."""
    return Caller(
        user_id=uuid.UUID(claims.sub),
        role=claims.role,
        aal=claims.aal,
        session_id=uuid.UUID(claims.session_id),
        wallet_address=claims.wallet_address,
        scopes=claims.scopes,
        kind="access",
    )


async def _from_opaque_token(request: Request, token: str) -> Caller:
    database = app_state(request).require_database()
    async with database.owner_sessions() as session, session.begin():
        if token.startswith(opaque_tokens.PERSONAL_ACCESS_PREFIX):
            owner = await pats.owner_of(session, token)
            if owner is not None:
                return Caller.of_personal_token(owner)
        else:
            row = await sessions.session_for_device_token(session, token)
            if row is not None:
                await sessions.touch(session, row.id, row.last_active_at)
                user = await session.get_one(User, row.user_id)
                wallet = await sessions.primary_wallet(session, user.id)
                return Caller(user.id, app_role(user.roles), row.aal, row.id, wallet, (), "device")
    raise InvalidToken("The token is invalid, expired or revoked.", headers=BEARER)


async def resolve_claims(request: Request) -> Claims:
    """The app's claims resolver: anonymous without a token, 401 with a bad one."""
    token = _bearer(request)
    if token is None:
        return ANONYMOUS
    opaque = token.startswith((opaque_tokens.PERSONAL_ACCESS_PREFIX, opaque_tokens.DEVICE_PREFIX))
    if opaque:
        caller = await _from_opaque_token(request, token)
    else:
        caller = await _from_access_token(request, token)
    request_scope(request).caller = caller
    return caller.claims()


BEARER_SCHEME = HTTPBearer(auto_error=False, description="An access, device or personal token.")


def caller_of(request: Request) -> Caller | None:
    """The caller the claims resolver found for this request, if any."""
    caller = request_scope(request).caller
    return caller if isinstance(caller, Caller) else None


async def optional_caller(
    request: Request,
    claims: RequestClaims,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER_SCHEME)],
) -> Caller | None:
    """The signed-in caller, or None for an anonymous request (a bad token is still a 401)."""
    return caller_of(request) if claims.sub is not None else None


def signed_in(caller: Caller | None) -> Caller:
    """The caller, or 401 when there is none."""
    if caller is None:
        raise InvalidToken("Sign in first: send `Authorization: Bearer <token>`.", headers=BEARER)
    return caller


def require_scope(caller: Caller, needed: str) -> None:
    """A personal access token must carry the scope (or `admin`); sessions carry every scope."""
    if caller.kind == "personal_access" and not {needed, "admin"} & set(caller.scopes):
        raise InsufficientScope(f"This token lacks the `{needed}` scope.", needed=needed)


async def current_caller(
    request: Request,
    claims: RequestClaims,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER_SCHEME)],
) -> Caller:
    """The signed-in caller, or 401; a personal access token needs `read` or `write`.

    It reads the resolved claims directly rather than through `optional_caller`: every
    dependency level costs FastAPI several microseconds, and this one is on every hot read."""
    found = signed_in(caller_of(request) if claims.sub is not None else None)
    require_scope(found, "read" if request.method in READ_METHODS else "write")
    return found


def scoped_caller(scope: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency: a signed-in session, or a personal access token carrying `scope`."""

    async def caller_with_scope(
        caller: Annotated[Caller | None, Depends(optional_caller)],
    ) -> Caller:
        found = signed_in(caller)
        require_scope(found, scope)
        return found

    return caller_with_scope


async def session_caller(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    """A caller signed in with a session (access or device token), not a personal token."""
    if caller.session_id is None:
        raise SessionRequired("This needs a signed-in session, not a personal access token.")
    return caller


CurrentUser = Annotated[Caller, Depends(current_caller)]
OptionalCaller = Annotated[Caller | None, Depends(optional_caller)]
SessionUser = Annotated[Caller, Depends(session_caller)]


async def get_auth_session(request: Request, claims: RequestClaims) -> AsyncIterator[AsyncSession]:
    """The auth service's own transaction (owner role, like GoTrue's admin connection).

    A bearer's session is checked first, as every other transaction does. Errors marked
    keep_changes (failed sign-ins, reuse detection) still commit their counters, revocations
    and events; every other error rolls back.
    """
    database = app_state(request).require_database()
    async with database.owner_sessions() as session:
        await session.begin()
        await require_live_session(session, claims)
        try:
            yield session
        except BaseException as exc:
            if isinstance(exc, Exception) and keeps_changes(exc):
                await session.commit()
            else:
                await session.rollback()
            raise
        else:
            await session.commit()


AuthSession = Annotated[AsyncSession, Depends(get_auth_session, scope="function")]
Identity = Annotated[IdentityContext, Depends(identity_context)]
Client = Annotated[ClientInfo, Depends(client_info)]


async def aal2_caller(caller: SessionUser, session: AuthSession) -> Caller:
    """For sensitive operations (payouts, password, MFA removal): aal2 when the user has MFA."""
    await ensure_aal2(session, user_id=caller.user_id, aal=caller.aal)
    return caller


Aal2User = Annotated[Caller, Depends(aal2_caller)]
