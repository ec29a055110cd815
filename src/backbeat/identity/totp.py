"""TOTP second factors (RFC 6238) with replay protection."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

ISSUER = "Backbeat"
TOTP_DIGITS = 6
TOTP_PERIOD_SECONDS = 30
TOTP_WINDOW_STEPS = 1  # accept the previous and the next 30-second step for clock drift


def new_totp_secret() -> str:
    """A 160-bit base32 secret, the size RFC 4226 recommends for HMAC-SHA1."""
    return pyotp.random_base32(length=32)


def totp_provisioning_uri(secret: str, *, account_name: str) -> str:
    """The otpauth:// URI an authenticator app scans as a QR code."""
    return _totp(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


def _totp(secret: str) -> pyotp.TOTP:
    """A TOTP generator with our fixed parameters (SHA-1, 6 digits, 30 s: what apps support)."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD_SECONDS)


def totp_step(now: datetime) -> int:
    """The RFC 6238 time-step counter for an aware datetime."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return int(now.timestamp()) // TOTP_PERIOD_SECONDS


def verify_totp(
    secret: str, code: str, *, now: datetime, last_used_step: int | None = None
) -> int | None:
    """Return the matched time step, or None; steps at or before last_used_step are replays."""
    candidate = code.replace(" ", "")
    if len(candidate) != TOTP_DIGITS or not candidate.isascii() or not candidate.isdigit():
        return None
    totp, current = _totp(secret), totp_step(now)
    matched: int | None = None
    for step in range(current - TOTP_WINDOW_STEPS, current + TOTP_WINDOW_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), candidate) and matched is None:
            matched = step
    if matched is None or (last_used_step is not None and matched <= last_used_step):
        return None
    return matched
