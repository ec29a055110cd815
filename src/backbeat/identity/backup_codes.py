"""Single-use backup codes: the second factor for a lost authenticator, stored as salted hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

BACKUP_CODE_COUNT = 10
# Crockford's base32 alphabet in lower case: no i, l, o or u to misread.
_BACKUP_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_BACKUP_GROUPS = 3
_BACKUP_GROUP_LENGTH = 4
_BACKUP_READ_AS = str.maketrans({"o": "0", "i": "1", "l": "1", "-": None, " ": None})


def new_backup_codes(count: int = BACKUP_CODE_COUNT) -> list[str]:
    """Fresh codes like `k3m9-x2pq-7vtd`: 60 random bits each, from the secrets module."""
    return [_new_backup_code() for _ in range(count)]


def _new_backup_code() -> str:
    """One code of three groups of four base32 characters."""
    groups = (
        "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(_BACKUP_GROUP_LENGTH))
        for _ in range(_BACKUP_GROUPS)
    )
    return "-".join(groups)


def _normalise_backup_code(code: str) -> str:
    """Forgive case, hyphens, spaces and the o/0, i/l/1 confusions when a user types a code."""
    return code.strip().lower().translate(_BACKUP_READ_AS)


def hash_backup_code(code: str, *, user_id: str) -> str:
    """Hash a code for storage, salted with its owner's id.

    A fast hash is enough: each code is 60 uniformly random bits (a slow hash protects guessable
    human passwords, not random keys), the per-user salt stops one precomputation from covering
    every account, and a cracked code is still only a second factor behind the argon2 password.
    """
    normalised = _normalise_backup_code(code)
    return hashlib.sha256(f"{user_id}\x00{normalised}".encode()).hexdigest()


def verify_backup_code(code: str, hashes: Sequence[str | None], *, user_id: str) -> int | None:
    """Return the index of the matching unused code (None marks a used one), or None."""
    candidate = hash_backup_code(code, user_id=user_id)
    found: int | None = None
    for index, stored in enumerate(hashes):
        if stored is not None and hmac.compare_digest(stored, candidate) and found is None:
            found = index
    return found
