"""Turning service results into API shapes (shared by the identity routers)."""

from __future__ import annotations

from backbeat.identity.schemas import StudioPreferences, TokensOut, UserOut
from backbeat.identity.service.accounts import Account
from backbeat.identity.service.sessions import IssuedTokens


def user_out(account: Account) -> UserOut:
    """The own-account view of a user."""
    user = account.user
    return UserOut(
        id=user.id,
        email=user.email,
        email_verified=user.email_verified_at is not None,
        username=user.username,
        display_name=user.display_name,
        avatar_url=user.avatar_url,
        bio=user.bio,
        roles=list(user.roles),
        studio=StudioPreferences(
            preferred_genres=list(user.preferred_genres),
            default_bpm=user.default_bpm,
            default_key=user.default_key,
            preferred_lufs_target=user.preferred_lufs_target,
        ),
        mfa_enabled=account.mfa_enabled,
        primary_wallet=account.primary_wallet,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def tokens_out(issued: IssuedTokens) -> TokensOut:
    """The token response, with the account as it is after sign-in."""
    return TokensOut(
        user=user_out(issued.account),
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        device_token=issued.device_token,
    )
