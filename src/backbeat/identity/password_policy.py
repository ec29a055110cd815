"""The password policy for new passwords (NIST 800-63B): length, a blocklist, not your name."""

from __future__ import annotations

import functools
import gzip
from importlib import resources

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

# The 20,000 most common passwords (lowercased), copied unchanged from Django 5.2's
# django/contrib/auth/common-passwords.txt.gz (BSD-3-Clause licence, Copyright (c) Django
# Software Foundation and individual contributors; list compiled by Royce Williams,
# https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce).
_COMMON_PASSWORDS_FILE = "common-passwords.txt.gz"


@functools.cache
def _common_passwords() -> frozenset[str]:
    """Load the shipped common-password list once."""
    data = resources.files("backbeat.identity").joinpath(_COMMON_PASSWORDS_FILE).read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


def check_password_policy(
    password: str, *, email: str | None = None, username: str | None = None
) -> list[str]:
    """List every reason a new password is refused (NIST 800-63B: length and blocklist)."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"must be at most {MAX_PASSWORD_LENGTH} characters long")
    folded = password.strip().casefold()
    if folded in _common_passwords():
        problems.append("is too common")
    if email and folded in {email.strip().casefold(), email.split("@")[0].strip().casefold()}:
        problems.append("must not be your email address")
    if username and folded == username.strip().casefold():
        problems.append("must not be your username")
    return problems
