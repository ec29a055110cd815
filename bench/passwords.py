"""argon2id (OWASP m=19456 KiB, t=2, p=1): what a sign-up or password sign-in costs in CPU.

The HTTP side of authentication (a bearer read against an anonymous one) is `bench http`.
"""

from __future__ import annotations

import time

from backbeat.identity.password_hashing import hash_password, verify_password

ROUNDS = 10


def run() -> list[str]:
    """Hash and verify ROUNDS times; the mean of each."""
    started = time.perf_counter()
    hashes = [hash_password(f"a bench passphrase {i}") for i in range(ROUNDS)]
    hashing = (time.perf_counter() - started) / ROUNDS * 1000
    started = time.perf_counter()
    verified = [verify_password(h, f"a bench passphrase {i}") for i, h in enumerate(hashes)]
    checking = (time.perf_counter() - started) / ROUNDS * 1000
    assert all(result.ok for result in verified), "a hash did not verify"
    return [f"argon2id hash   {hashing:6.1f} ms", f"argon2id verify {checking:6.1f} ms"]
