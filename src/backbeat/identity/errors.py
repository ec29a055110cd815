"""Identity's domain errors: each class name is the `code` clients switch on."""

from __future__ import annotations

from typing import ClassVar

from backbeat.errors import BadRequest, Conflict, Forbidden, TooManyRequests, Unauthorized


class KeepsChanges:
    """Marks an error whose transaction still commits (failure counters, revocations)."""

    keep_changes: ClassVar[bool] = True


class InvalidCredentials(KeepsChanges, Unauthorized):
    """Wrong email or password: one answer for both."""


class MfaRequired(Unauthorized):
    """The password was right; a second factor is needed."""


class InvalidMfaCode(KeepsChanges, Unauthorized):
    """The TOTP or backup code is wrong or was already used."""


class InvalidToken(Unauthorized):
    """The bearer token is missing, malformed, expired or revoked."""


class InvalidRefreshToken(KeepsChanges, Unauthorized):
    """The refresh token is unknown, expired, revoked, or was already used."""


class InvalidWalletProof(KeepsChanges, Unauthorized):
    """The signed message does not prove control of the wallet (or its nonce is spent)."""


class AccountLocked(KeepsChanges, TooManyRequests):
    """Too many failed sign-ins: the account is locked for a growing interval."""


class RateLimited(TooManyRequests):
    """Too many requests from this address or for this account."""


class Aal2Required(Forbidden):
    """The user has MFA: this operation needs a session that passed the second factor."""


class InsufficientScope(Forbidden):
    """The personal access token lacks the scope this operation needs."""


class SessionRequired(Forbidden):
    """Only a signed-in session (not a personal access token) may do this."""


class EmailTaken(Conflict):
    """Another account uses this email."""


class UsernameTaken(Conflict):
    """Another account uses this username."""


class WalletTaken(Conflict):
    """The wallet is linked to another account."""


class MfaAlreadyEnabled(Conflict):
    """A confirmed TOTP factor exists; remove it first."""


class LastSignInMethod(Conflict):
    """Removing this would leave the account without a way to sign in."""


class InvalidEmailToken(BadRequest):
    """The verification or reset token is unknown, used or expired."""


def keeps_changes(error: BaseException) -> bool:
    """Whether the request transaction commits even though this error is raised."""
    return bool(getattr(error, "keep_changes", False))
