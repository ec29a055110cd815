"""The identity API's request and response shapes."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
)

USERNAME_PATTERN = re.compile(r"^[a-z0-9_]{3,30}$")
SCOPE_PATTERN = re.compile(r"^(read|write|admin|[a-z][a-z_]{1,30}:(read|write))$")
KEY_PATTERN = re.compile(r"^[A-G](#|b)?(m| major| minor)?$")


def _username(value: str) -> str:
    """3-30 characters of a-z, 0-9 and _, compared case-insensitively (stored lower-cased)."""
    folded = value.strip().lower()
    if not USERNAME_PATTERN.fullmatch(folded):
        raise ValueError("a username is 3-30 characters: a-z, 0-9 and _")
    return folded


def _email(value: str) -> str:
    """A lower-cased address with one @ and a dotted domain (delivery proves the rest)."""
    folded = value.strip().lower()
    local, at, domain = folded.partition("@")
    if not at or not local or "." not in domain or re.search(r"\s", folded) or len(folded) > 254:
        raise ValueError("not an email address")
    return folded


Username = Annotated[str, AfterValidator(_username)]
EmailAddress = Annotated[str, AfterValidator(_email)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)]
Role = Literal["listener", "artist", "admin"]
DeviceType = Literal["desktop", "web", "mobile"]
Provider = Literal["spotify", "apple_music", "youtube"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeviceIn(Strict):
    id: Annotated[str, StringConstraints(max_length=200)] | None = None
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    type: DeviceType = "web"


class SignupIn(Strict):
    email: EmailAddress
    password: Password
    username: Username
    display_name: DisplayName = ""
    device: DeviceIn | None = None


class PasswordGrant(Strict):
    grant_type: Literal["password"]
    email: EmailAddress
    password: Password
    totp_code: Annotated[str, StringConstraints(max_length=32)] | None = None
    device: DeviceIn | None = None


class RefreshGrant(Strict):
    grant_type: Literal["refresh_token"]
    refresh_token: Annotated[str, StringConstraints(max_length=200)]


TokenRequest = Annotated[PasswordGrant | RefreshGrant, Field(discriminator="grant_type")]


class PublicProfile(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    avatar_url: str | None
    bio: str
    roles: list[str]
    created_at: datetime


class StudioPreferences(BaseModel):
    preferred_genres: list[str]
    default_bpm: int | None
    default_key: str | None
    preferred_lufs_target: float | None


class UserOut(BaseModel):
    id: uuid.UUID
    email: str | None
    email_verified: bool
    username: str
    display_name: str
    avatar_url: str | None
    bio: str
    roles: list[str]
    studio: StudioPreferences
    mfa_enabled: bool
    primary_wallet: str | None
    created_at: datetime
    last_login_at: datetime | None


class TokensOut(BaseModel):
    user: UserOut
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int
    refresh_token: str
    device_token: str | None = None


class AccessTokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int
    aal: str


class ProfilePatch(Strict):
    username: Username | None = None
    display_name: DisplayName | None = None
    avatar_url: HttpUrl | None = None
    bio: Annotated[str, StringConstraints(max_length=1000)] | None = None
    preferred_genres: (
        Annotated[list[Annotated[str, StringConstraints(max_length=40)]], Field(max_length=20)]
        | None
    ) = None
    default_bpm: Annotated[int, Field(ge=20, le=400)] | None = None
    default_key: Annotated[str, StringConstraints(pattern=KEY_PATTERN.pattern)] | None = None
    preferred_lufs_target: Annotated[float, Field(ge=-60, le=0)] | None = None


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    method: str
    aal: str
    device_id: str | None
    device_name: str | None
    device_type: str
    ip: str | None
    user_agent: str | None
    created_at: datetime
    last_active_at: datetime
    expires_at: datetime
    current: bool = False


class RevokedOut(BaseModel):
    revoked: int


class PasswordChangeIn(Strict):
    current_password: Password | None = None
    new_password: Password


class ResetRequestIn(Strict):
    email: EmailAddress


class ResetIn(Strict):
    token: Annotated[str, StringConstraints(max_length=200)]
    new_password: Password


class EmailVerifyIn(Strict):
    token: Annotated[str, StringConstraints(max_length=200)]


class TotpEnrolmentOut(BaseModel):
    secret: str
    otpauth_uri: str


class TotpCodeIn(Strict):
    code: Annotated[str, StringConstraints(max_length=32)]


class TotpVerifiedOut(AccessTokenOut):
    backup_codes: list[str] | None = None


class WalletChallengeIn(Strict):
    address: Annotated[str, StringConstraints(max_length=200)]
    chain_id: Annotated[int, Field(ge=1)] | None = None


class WalletChallengeOut(BaseModel):
    message: str
    nonce: str
    expires_at: datetime
    caip10: str


class WalletProofIn(Strict):
    message: Annotated[str, StringConstraints(max_length=4000)]
    signature: Annotated[str, StringConstraints(max_length=300)]
    device: DeviceIn | None = None


class WalletOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    caip10: str
    is_primary: bool
    created_at: datetime


Scope = Annotated[str, StringConstraints(pattern=SCOPE_PATTERN.pattern)]


class PersonalAccessTokenIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=20)]
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class PersonalAccessTokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    scopes: list[str]
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class PersonalAccessTokenCreated(PersonalAccessTokenOut):
    token: str


class ConnectionIn(Strict):
    access_token: Annotated[str, StringConstraints(min_length=1, max_length=8000)]
    refresh_token: Annotated[str, StringConstraints(max_length=8000)] | None = None
    expires_at: datetime | None = None
    scopes: Annotated[
        list[Annotated[str, StringConstraints(max_length=200)]], Field(max_length=50)
    ] = []
    provider_account_id: Annotated[str, StringConstraints(max_length=200)] | None = None


class ConnectionOut(BaseModel):
    provider: str
    provider_account_id: str | None
    scopes: list[str]
    expires_at: datetime | None
    connected_at: datetime
    updated_at: datetime


class SecurityEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    ip: str | None
    user_agent: str | None
    detail: dict[str, str | int | bool | None]
    created_at: datetime


class RolesIn(Strict):
    roles: Annotated[list[Role], Field(min_length=1, max_length=3)]
