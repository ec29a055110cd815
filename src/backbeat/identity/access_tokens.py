"""Signed JWT access tokens (HS256 with key ids): what the database reads for row-level security."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import jwt

ALGORITHM = "HS256"
ISSUER = "backbeat"
AUDIENCE = "backbeat"
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key must be at least 256 bits.

Aal = Literal["aal1", "aal2"]
_REQUIRED_CLAIMS = ("iss", "aud", "sub", "role", "aal", "session_id", "iat", "exp", "jti")


class AccessTokenRejected(Exception):
    """The token is not one we issued, or no longer valid; the caller answers 401."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified contents of an access token."""

    sub: str
    role: str
    aal: Aal
    session_id: str
    wallet_address: str | None
    scopes: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime
    token_id: str


class Keyring:
    """HMAC keys by id: the first signs, all verify, so keys rotate without signing anyone out."""

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._keys = {kid: secret.encode() for kid, secret in keys}
        if len(self._keys) != len(keys):
            raise ValueError("key ids in a keyring must be unique")
        if any(len(secret) < MIN_SECRET_BYTES for secret in self._keys.values()):
            raise ValueError(f"every signing secret needs at least {MIN_SECRET_BYTES} bytes")
        self.signing_kid = keys[0][0]

    def secret(self, kid: str) -> bytes:
        """The verification key for a kid, or AccessTokenRejected for a kid we do not hold."""
        try:
            return self._keys[kid]
        except KeyError:
            raise AccessTokenRejected("unknown key id") from None


def _timestamp(now: datetime) -> int:
    """Seconds since the epoch of an aware datetime (naive times are a bug here)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return int(now.timestamp())


def issue_access_token(
    keyring: Keyring,
    *,
    sub: str,
    role: str,
    aal: Aal,
    session_id: str,
    wallet_address: str | None,
    now: datetime,
    ttl_seconds: int = 900,
    scopes: Sequence[str] = (),
) -> str:
    """Sign a short-lived access token whose claims the database reads for row-level security."""
    issued_at = _timestamp(now)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": sub,
        "role": role,
        "aal": aal,
        "session_id": session_id,
        "iat": issued_at,
        "exp": issued_at + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    if scopes:
        claims["scope"] = " ".join(scopes)  # RFC 8693: space-separated
    if wallet_address is not None:
        claims["wallet_address"] = wallet_address
    kid = keyring.signing_kid
    return jwt.encode(claims, keyring.secret(kid), algorithm=ALGORITHM, headers={"kid": kid})


def decode_access_token(keyring: Keyring, token: str, *, now: datetime) -> AccessClaims:
    """Verify signature, algorithm, key id, issuer, audience and expiry at `now`."""
    kid = _header_kid(token)
    try:
        payload = jwt.decode(
            token,
            keyring.secret(kid),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError as exc:
        raise AccessTokenRejected(str(exc)) from exc
    claims = _claims_from_payload(payload)
    if claims.expires_at <= _as_utc(now):
        raise AccessTokenRejected("token has expired")
    return claims


class VerifiedTokens:
    """Access tokens this process has already verified against one keyring.

    Verifying a JWT is deterministic for a given token and keyring, so a repeat skips the
    HMAC and claim parsing (most of a bearer request's CPU) but never the expiry check; the
    session behind the token is still checked by every request's first statement.
    """

    def __init__(self, keyring: Keyring, max_entries: int = 20_000) -> None:
        self.keyring = keyring
        self.max_entries = max_entries
        self._verified: dict[str, AccessClaims] = {}

    def decode(self, token: str, *, now: datetime) -> AccessClaims:
        """decode_access_token, remembered: same answers, a fraction of the CPU on a repeat."""
        claims = self._verified.get(token)
        if claims is None:
            claims = decode_access_token(self.keyring, token, now=now)
            if len(self._verified) >= self.max_entries:
                self._verified.clear()
            self._verified[token] = claims
        elif claims.expires_at <= _as_utc(now):
            del self._verified[token]
            raise AccessTokenRejected("token has expired")
        return claims


def _header_kid(token: str) -> str:
    """Read the kid and refuse any algorithm but ours before touching a key."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AccessTokenRejected(str(exc)) from exc
    if header.get("alg") != ALGORITHM:
        raise AccessTokenRejected("algorithm not allowed")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise AccessTokenRejected("missing key id")
    return kid


def _as_utc(moment: datetime) -> datetime:
    """Convert an aware datetime to UTC."""
    return datetime.fromtimestamp(_timestamp(moment), UTC)


def _claims_from_payload(payload: Mapping[str, object]) -> AccessClaims:
    """Type-check every claim we rely on; anything off is an invalid token, not a crash."""
    missing = [name for name in _REQUIRED_CLAIMS if name not in payload]
    if missing:
        raise AccessTokenRejected(f"missing claims: {', '.join(missing)}")
    scope = _optional_text(payload, "scope") or ""
    return AccessClaims(
        sub=_text(payload, "sub"),
        role=_text(payload, "role"),
        aal=_aal(_text(payload, "aal")),
        session_id=_text(payload, "session_id"),
        wallet_address=_optional_text(payload, "wallet_address"),
        scopes=tuple(scope.split()),
        issued_at=_instant(payload, "iat"),
        expires_at=_instant(payload, "exp"),
        token_id=_text(payload, "jti"),
    )


def _text(payload: Mapping[str, object], name: str) -> str:
    """A claim that must be a non-empty string."""
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise AccessTokenRejected(f"malformed claim: {name}")
    return value


def _optional_text(payload: Mapping[str, object], name: str) -> str | None:
    """A claim that may be absent, but is a string when present."""
    if payload.get(name) is None:
        return None
    return _text(payload, name)


def _aal(value: str) -> Aal:
    """Narrow the authenticator assurance level to the two we issue."""
    if value == "aal1":
        return "aal1"
    if value == "aal2":
        return "aal2"
    raise AccessTokenRejected("malformed claim: aal")


def _instant(payload: Mapping[str, object], name: str) -> datetime:
    """A NumericDate claim: an integer (bool is an int in Python, but not in JSON)."""
    value = payload.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise AccessTokenRejected(f"malformed claim: {name}")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise AccessTokenRejected(f"malformed claim: {name}") from None
