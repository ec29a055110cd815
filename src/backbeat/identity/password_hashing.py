"""Password hashing: argon2id for ours, bcrypt for hashes imported from Supabase."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass

import bcrypt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP Password Storage Cheat Sheet, "Argon2id": "a minimum configuration of 19 MiB of memory,
# an iteration count of 2, and 1 degree of parallelism" (m=19456 KiB, t=2, p=1).
_HASHER = PasswordHasher(
    time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
_BCRYPT_MAX_BYTES = 72


class UnsupportedHashError(ValueError):
    """A stored hash is neither argon2id nor bcrypt: a data error, not a wrong password."""


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Whether the password matched, and whether its hash should be replaced by a fresh one."""

    ok: bool
    needs_rehash: bool


def hash_password(password: str) -> str:
    """Hash with argon2id at the OWASP parameters; the result embeds salt and parameters."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> VerifyResult:
    """Check a password against our argon2id hashes or bcrypt hashes imported from Supabase."""
    if stored_hash.startswith("$argon2"):
        return _verify_argon2(stored_hash, password)
    if stored_hash.startswith(_BCRYPT_PREFIXES):
        return _verify_bcrypt(stored_hash, password)
    raise UnsupportedHashError("stored password hash is neither argon2 nor bcrypt")


def _verify_argon2(stored_hash: str, password: str) -> VerifyResult:
    """Verify an argon2 hash; a hash with old parameters asks to be rehashed."""
    try:
        _HASHER.verify(stored_hash, password)
    except VerifyMismatchError:
        return VerifyResult(ok=False, needs_rehash=False)
    except (InvalidHashError, VerificationError) as exc:
        raise UnsupportedHashError("malformed argon2 hash") from exc
    return VerifyResult(ok=True, needs_rehash=_HASHER.check_needs_rehash(stored_hash))


def _verify_bcrypt(stored_hash: str, password: str) -> VerifyResult:
    """Verify an imported bcrypt hash; a match always asks to move it to argon2id."""
    # bcrypt only ever read the first 72 bytes (older GoTrue versions truncated silently), so
    # truncate the same way instead of refusing long passwords that were accepted at sign-up.
    candidate = password.encode()[:_BCRYPT_MAX_BYTES]
    try:
        ok = bcrypt.checkpw(candidate, stored_hash.encode())
    except ValueError as exc:
        raise UnsupportedHashError("malformed bcrypt hash") from exc
    return VerifyResult(ok=ok, needs_rehash=ok)


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, made once, for sign-ins with an unknown email."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def dummy_verify(password: str) -> None:
    """Spend the time of a real verification so unknown emails cannot be told from wrong ones."""
    verify_password(_dummy_hash(), password)
