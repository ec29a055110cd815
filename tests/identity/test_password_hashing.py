import bcrypt
import pytest
from argon2 import PasswordHasher

from backbeat.identity.password_hashing import (
    UnsupportedHashError,
    VerifyResult,
    _dummy_hash,
    dummy_verify,
    hash_password,
    verify_password,
)

OWASP_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"
GOOD = "correct horse battery staple"


def bcrypt_hash(password: bytes, prefix: str = "$2a$") -> str:
    """A bcrypt hash as Supabase (GoTrue) stores it: $2a$ and a cost factor."""
    hashed = bcrypt.hashpw(password, bcrypt.gensalt(rounds=4)).decode()
    return prefix + hashed[4:]


class TestHashPassword:
    def test_uses_argon2id_with_owasp_parameters(self) -> None:
        assert hash_password(GOOD).startswith(OWASP_PREFIX)

    def test_salts_every_hash(self) -> None:
        assert hash_password(GOOD) != hash_password(GOOD)

    def test_does_not_contain_the_password(self) -> None:
        assert GOOD not in hash_password(GOOD)


class TestVerifyPassword:
    def test_accepts_the_right_password(self) -> None:
        assert verify_password(hash_password(GOOD), GOOD) == VerifyResult(True, False)

    def test_refuses_a_wrong_password(self) -> None:
        assert verify_password(hash_password(GOOD), GOOD + "!") == VerifyResult(False, False)

    def test_asks_to_rehash_argon2_with_old_parameters(self) -> None:
        weaker = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
        assert verify_password(weaker, GOOD) == VerifyResult(ok=True, needs_rehash=True)

    @pytest.mark.parametrize("prefix", ["$2a$", "$2b$", "$2y$"])
    def test_verifies_imported_bcrypt_and_asks_to_rehash(self, prefix: str) -> None:
        stored = bcrypt_hash(GOOD.encode(), prefix)
        assert verify_password(stored, GOOD) == VerifyResult(ok=True, needs_rehash=True)

    def test_verifies_a_supabase_cost_10_hash(self) -> None:
        stored = bcrypt.hashpw(b"hunter2hunter2", b"$2a$10$abcdefghijklmnopqrstuu").decode()
        assert stored.startswith("$2a$10$")
        assert verify_password(stored, "hunter2hunter2").ok

    def test_refuses_a_wrong_password_against_bcrypt(self) -> None:
        stored = bcrypt_hash(GOOD.encode())
        assert verify_password(stored, "not it at all") == VerifyResult(False, False)

    def test_reads_only_72_bytes_like_bcrypt_did(self) -> None:
        long_password = "x" * 100
        stored = bcrypt_hash(long_password.encode()[:72])
        assert verify_password(stored, long_password).ok

    def test_raises_for_an_unknown_hash_scheme(self) -> None:
        with pytest.raises(UnsupportedHashError):
            verify_password("pbkdf2_sha256$600000$salt$hash", GOOD)

    def test_raises_for_a_malformed_argon2_hash(self) -> None:
        with pytest.raises(UnsupportedHashError):
            verify_password("$argon2id$garbage", GOOD)

    def test_raises_for_a_malformed_bcrypt_hash(self) -> None:
        with pytest.raises(UnsupportedHashError):
            verify_password("$2a$10$short", GOOD)


class TestDummyVerify:
    def test_costs_the_same_as_a_real_hash(self) -> None:
        assert _dummy_hash().startswith(OWASP_PREFIX)

    def test_never_succeeds_or_raises(self) -> None:
        dummy_verify(GOOD)
        assert not verify_password(_dummy_hash(), GOOD).ok
