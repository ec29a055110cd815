"""/v1/me (the own account, wallets, tokens, connections, events), /v1/users, /v1/admin."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backbeat.edge import DbRead, DbSession, json_text
from backbeat.identity import schemas
from backbeat.identity.auth import AuthSession, Client, CurrentUser, Identity, SessionUser
from backbeat.identity.responses import user_out
from backbeat.identity.service import account_json, accounts, audit, connections, wallets
from backbeat.identity.service import tokens as pats

router = APIRouter(tags=["account"])


@router.get("/v1/me", response_model=schemas.UserOut)
async def me(caller: CurrentUser, read: DbRead) -> Response:
    """The caller's own account, private fields included."""
    return json_text(await account_json.read_me(read))


@router.patch("/v1/me")
async def update_me(
    body: schemas.ProfilePatch, caller: CurrentUser, session: DbSession
) -> schemas.UserOut:
    """Update profile and studio preferences (row-level security allows only one's own row)."""
    return user_out(await accounts.update_profile(session, caller.user_id, body))


@router.get("/v1/users/{username}", response_model=schemas.PublicProfile)
async def public_profile(username: str, read: DbRead) -> Response:
    """Anyone may read a public profile."""
    return json_text(await account_json.read_public_profile(read, username))


@router.post("/v1/me/wallets", status_code=status.HTTP_201_CREATED)
async def link_wallet(
    body: schemas.WalletProofIn,
    caller: SessionUser,
    session: AuthSession,
    context: Identity,
    client: Client,
) -> schemas.WalletOut:
    """Link a wallet with a signed challenge from POST /v1/auth/wallet/challenge."""
    wallet = await wallets.link(
        session,
        context,
        user_id=caller.user_id,
        message=body.message,
        signature=body.signature,
        client=client,
    )
    return schemas.WalletOut.model_validate(wallet)


@router.get("/v1/me/wallets")
async def list_wallets(caller: CurrentUser, session: DbSession) -> list[schemas.WalletOut]:
    """The caller's wallets, primary first."""
    rows = await wallets.list_wallets(session, user_id=caller.user_id)
    return [schemas.WalletOut.model_validate(row) for row in rows]


@router.delete(
    "/v1/me/wallets/{caip10}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def unlink_wallet(
    caip10: str, caller: SessionUser, session: AuthSession, client: Client
) -> None:
    """Unlink a wallet (bare 0x…/SP… or CAIP-10)."""
    await wallets.unlink(session, user_id=caller.user_id, address=caip10, client=client)


@router.post("/v1/me/wallets/{caip10}/primary")
async def make_primary_wallet(
    caip10: str, caller: SessionUser, session: AuthSession, client: Client
) -> schemas.WalletOut:
    """Make this wallet the primary one (the `wallet_address` claim of the next tokens)."""
    wallet = await wallets.make_primary(
        session, user_id=caller.user_id, address=caip10, client=client
    )
    return schemas.WalletOut.model_validate(wallet)


@router.post("/v1/me/tokens", status_code=status.HTTP_201_CREATED)
async def create_token(
    body: schemas.PersonalAccessTokenIn, caller: SessionUser, session: AuthSession, client: Client
) -> schemas.PersonalAccessTokenCreated:
    """Create a personal access token; the response is the only time it is shown."""
    created = await pats.create_token(
        session,
        user_id=caller.user_id,
        name=body.name,
        scopes=body.scopes,
        expires_in_days=body.expires_in_days,
        client=client,
    )
    shown = schemas.PersonalAccessTokenOut.model_validate(created.row)
    return schemas.PersonalAccessTokenCreated(**shown.model_dump(), token=created.token)


@router.get("/v1/me/tokens")
async def list_tokens(
    caller: CurrentUser, session: DbSession
) -> list[schemas.PersonalAccessTokenOut]:
    """The caller's personal access tokens (never the tokens themselves)."""
    rows = await pats.list_tokens(session, user_id=caller.user_id)
    return [schemas.PersonalAccessTokenOut.model_validate(row) for row in rows]


@router.delete(
    "/v1/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def revoke_token(token_id: uuid.UUID, caller: SessionUser, session: DbSession) -> None:
    """Revoke a personal access token."""
    await pats.revoke_token(session, user_id=caller.user_id, token_id=token_id)


@router.put("/v1/me/connections/{provider}")
async def put_connection(
    provider: schemas.Provider,
    body: schemas.ConnectionIn,
    caller: CurrentUser,
    session: DbSession,
    context: Identity,
) -> schemas.ConnectionOut:
    """Store a music-service connection; its tokens are encrypted and never returned."""
    info = await connections.put_connection(
        session, context.keys.oauth_box, user_id=caller.user_id, provider=provider, data=body
    )
    return connection_out(info)


@router.get("/v1/me/connections")
async def list_connections(caller: CurrentUser, session: DbSession) -> list[schemas.ConnectionOut]:
    """Which services are connected, with scopes and expiry."""
    return [
        connection_out(info)
        for info in await connections.list_connections(session, user_id=caller.user_id)
    ]


@router.delete(
    "/v1/me/connections/{provider}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def delete_connection(
    provider: schemas.Provider, caller: CurrentUser, session: DbSession
) -> None:
    """Remove a connection and its tokens."""
    await connections.delete_connection(session, user_id=caller.user_id, provider=provider)


def connection_out(info: connections.ConnectionInfo) -> schemas.ConnectionOut:
    return schemas.ConnectionOut(
        provider=info.provider,
        provider_account_id=info.provider_account_id,
        scopes=info.scopes,
        expires_at=info.expires_at,
        connected_at=info.connected_at,
        updated_at=info.updated_at,
    )


Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/v1/me/security-events")
async def security_events(
    caller: CurrentUser,
    session: DbSession,
    limit: Limit = 50,
    before: uuid.UUID | None = None,
) -> list[schemas.SecurityEventOut]:
    """The caller's own security events, newest first (page with `before`)."""
    rows = await audit.list_events(session, user_id=caller.user_id, limit=limit, before=before)
    return [schemas.SecurityEventOut.model_validate(row) for row in rows]


@router.get("/v1/admin/users/{user_id}/security-events")
async def admin_security_events(
    user_id: uuid.UUID,
    caller: CurrentUser,
    session: DbSession,
    limit: Limit = 50,
    before: uuid.UUID | None = None,
) -> list[schemas.SecurityEventOut]:
    """Any user's security events (admins; row-level security checks the claim too)."""
    rows = await audit.list_events_as_admin(
        session, actor_role=caller.role, user_id=user_id, limit=limit, before=before
    )
    return [schemas.SecurityEventOut.model_validate(row) for row in rows]


@router.put("/v1/admin/users/{username}/roles")
async def set_roles(
    username: str, body: schemas.RolesIn, caller: SessionUser, session: AuthSession
) -> schemas.PublicProfile:
    """Replace a user's roles; only an admin (checked against the database) may."""
    user = await accounts.set_roles(
        session, username=username, roles=body.roles, actor=caller.user_id
    )
    return schemas.PublicProfile.model_validate(user)
