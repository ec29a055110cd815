"""Opaque random tokens (refresh, device, personal, email): shown once, stored as hashes."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import NamedTuple

REFRESH_PREFIX = "bbr_"
PERSONAL_ACCESS_PREFIX = "bbp_"
DEVICE_PREFIX = "bbd_"

_PREFIX_PATTERN = re.compile(r"[a-z]{2,8}_")


class OpaqueToken(NamedTuple):
    """A random token to hand out once, and the hash to store in its place."""

    token: str
    sha256_hex: str


def new_opaque_token(prefix: str) -> OpaqueToken:
    """Make a 256-bit random token with a readable prefix (bbr_, bbp_, bbd_) for secret scanners."""
    if not _PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError("a token prefix is 2-8 lowercase letters and an underscore")
    token = prefix + secrets.token_urlsafe(32)
    return OpaqueToken(token=token, sha256_hex=hash_opaque_token(token))


def hash_opaque_token(token: str) -> str:
    """SHA-256 is enough for 256-bit random tokens: there is nothing to guess, so no slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()
