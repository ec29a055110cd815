"""Accounts: sign-up, the user's own row, public profiles, roles (admins grant admin)."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import Forbidden, NotFound, Unprocessable
from backbeat.identity.errors import EmailTaken, UsernameTaken
from backbeat.identity.models import ROLES, Credential, TotpFactor, User, Wallet
from backbeat.identity.password_hashing import hash_password
from backbeat.identity.password_policy import check_password_policy
from backbeat.identity.schemas import ProfilePatch

ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def app_role(roles: Sequence[str]) -> str:
    """The highest role (admin > artist > listener): the JWT `role` claim."""
    return max(roles, key=lambda role: ROLE_RANK.get(role, -1), default="listener")


def enforce_password_policy(password: str, *, email: str | None, username: str | None) -> None:
    """Refuse a new password with every reason at once (422)."""
    problems = check_password_policy(password, email=email, username=username)
    if problems:
        raise Unprocessable("The password " + "; ".join(problems) + ".", reasons=problems)


async def ensure_available(
    session: AsyncSession, *, email: str | None, username: str | None, user_id: uuid.UUID | None
) -> None:
    """A clear 409 before the unique index would refuse the row."""
    for column, value, error in (
        (User.email, email, EmailTaken("An account with this email already exists.")),
        (User.username, username, UsernameTaken("This username is taken.")),
    ):
        if value is None:
            continue
        query = select(exists().where(func.lower(column) == value.lower(), User.id != user_id))
        if await session.scalar(query):
            raise error


async def create_user(
    session: AsyncSession,
    *,
    email: str | None,
    username: str,
    password: str | None,
    display_name: str = "",
    roles: Sequence[str] = ("listener",),
) -> User:
    """A new account; the password (if any) must pass the policy."""
    await ensure_available(session, email=email, username=username, user_id=None)
    if password is not None:
        enforce_password_policy(password, email=email, username=username)
    user = User(
        id=uuid.uuid4(),
        email=email,
        username=username,
        display_name=display_name or username,
        roles=list(roles),
    )
    session.add(user)
    if password is not None:
        session.add(Credential(user_id=user.id, password_hash=hash_password(password)))
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent sign-up won the race
        raise EmailTaken("An account with this email or username already exists.") from exc
    return user


def username_from_email(email: str) -> str:
    """A valid username from an email's local part (the CLI's default)."""
    local = re.sub(r"[^a-z0-9_]", "_", email.split("@")[0].lower())[:30]
    return local if len(local) >= 3 else f"{local}_user"


async def new_wallet_username(session: AsyncSession) -> str:
    """A placeholder username for a wallet-only account (the user can rename it)."""
    while True:
        candidate = f"w_{secrets.token_hex(5)}"
        if not await session.scalar(select(exists().where(User.username == candidate))):
            return candidate


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    """The user, or 404 (RLS hides other users from backbeat_user)."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


@dataclass(frozen=True)
class Account:
    """The own-account view: the user row plus MFA state and primary wallet."""

    user: User
    mfa_enabled: bool
    primary_wallet: str | None


async def get_account(session: AsyncSession, user_id: uuid.UUID) -> Account:
    """One query for /v1/me: the row, whether MFA is on, and the primary wallet."""
    mfa = (
        select(TotpFactor.confirmed_at.is_not(None))
        .where(TotpFactor.user_id == User.id)
        .scalar_subquery()
    )
    wallet = (
        select(Wallet.caip10).where(Wallet.user_id == User.id, Wallet.is_primary).scalar_subquery()
    )
    row = (await session.execute(select(User, mfa, wallet).where(User.id == user_id))).first()
    if row is None:
        raise NotFound("No such user.")
    return Account(user=row[0], mfa_enabled=bool(row[1]), primary_wallet=row[2])


async def update_profile(session: AsyncSession, user_id: uuid.UUID, patch: ProfilePatch) -> Account:
    """Apply the fields the caller sent (a taken username is a 409); the account as it is now."""
    values = patch.model_dump(exclude_unset=True)
    if "avatar_url" in values and values["avatar_url"] is not None:
        values["avatar_url"] = str(values["avatar_url"])
    if values:
        await _apply_profile(session, user_id, values)
    return await get_account(session, user_id)


async def _apply_profile(session: AsyncSession, user_id: uuid.UUID, values: dict[str, Any]) -> None:
    """One UPDATE of the user's row, refusing a username someone else has."""
    if "username" in values and await _username_taken(session, values["username"], user_id):
        raise UsernameTaken("This username is taken.")
    statement = update(User).where(User.id == user_id).values(**values, updated_at=func.now())
    try:
        await session.execute(statement.execution_options(synchronize_session=False))
    except IntegrityError as exc:  # renamed concurrently
        raise UsernameTaken("This username is taken.") from exc


async def _username_taken(session: AsyncSession, username: str, user_id: uuid.UUID) -> bool:
    """Through the public view: row-level security hides other users' rows from the caller."""
    query = text(
        "select exists (select from identity_public_profiles "
        "where lower(username) = lower(:username) and id <> :user_id)"
    )
    return bool(await session.scalar(query, {"username": username, "user_id": user_id}))


async def list_users(session: AsyncSession, *, limit: int = 100) -> Sequence[User]:
    """Accounts, oldest first (the CLI)."""
    return (await session.scalars(select(User).order_by(User.created_at).limit(limit))).all()


async def set_roles(
    session: AsyncSession, *, username: str, roles: Sequence[str], actor: uuid.UUID
) -> User:
    """Replace a user's roles; only an admin (as the database has it, not the token) may."""
    if "admin" not in (await get_user(session, actor)).roles:
        raise Forbidden("Only an admin can change roles.")
    user = await session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    user.roles = sorted(set(roles), key=ROLE_RANK.__getitem__)
    await session.flush()
    return user


async def touch_login(session: AsyncSession, user: User, moment: datetime) -> None:
    """Record the last sign-in time."""
    user.last_login_at = moment
