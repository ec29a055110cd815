import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from backbeat.identity.mfa import (
    BACKUP_CODE_COUNT,
    hash_backup_code,
    new_backup_codes,
    new_totp_secret,
    totp_provisioning_uri,
    totp_step,
    verify_backup_code,
    verify_totp,
)

# RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", in base32.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
NOW = datetime(2026, 11, 22, 12, 0, 10, tzinfo=UTC)
USER = "0b7f6c1e-6d4e-4a43-9f7a-3c3e2b1a0f00"


def code_at(moment: datetime, secret: str = RFC_SECRET) -> str:
    return pyotp.TOTP(secret).at(moment)


class TestNewTotpSecret:
    def test_is_160_bits_of_base32(self) -> None:
        assert re.fullmatch(r"[A-Z2-7]{32}", new_totp_secret())

    def test_is_random(self) -> None:
        assert new_totp_secret() != new_totp_secret()


class TestTotpProvisioningUri:
    def test_names_backbeat_as_issuer_and_carries_the_secret(self) -> None:
        uri = urlparse(totp_provisioning_uri(RFC_SECRET, account_name="ann@example.com"))
        query = parse_qs(uri.query)
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert uri.path == "/Backbeat:ann%40example.com"
        assert query["issuer"] == ["Backbeat"]
        assert query["secret"] == [RFC_SECRET]


class TestTotpStep:
    def test_counts_thirty_second_steps(self) -> None:
        assert totp_step(datetime(1970, 1, 1, 0, 0, 59, tzinfo=UTC)) == 1

    def test_refuses_a_naive_datetime(self) -> None:
        with pytest.raises(ValueError, match="timezone"):
            totp_step(datetime(2026, 1, 1))


class TestVerifyTotp:
    def test_matches_the_rfc_6238_vectors(self) -> None:
        # RFC 6238 appendix B (SHA-1): T=59 -> 94287082, T=1111111109 -> 07081804 (8 digits).
        assert verify_totp(RFC_SECRET, "287082", now=datetime.fromtimestamp(59, UTC)) == 1
        at = datetime.fromtimestamp(1111111109, UTC)
        assert verify_totp(RFC_SECRET, "081804", now=at) == 1111111109 // 30

    def test_returns_the_current_step(self) -> None:
        assert verify_totp(RFC_SECRET, code_at(NOW), now=NOW) == totp_step(NOW)

    @pytest.mark.parametrize("offset", [-1, 1])
    def test_accepts_one_step_of_drift(self, offset: int) -> None:
        moment = NOW + timedelta(seconds=30 * offset)
        assert verify_totp(RFC_SECRET, code_at(moment), now=NOW) == totp_step(NOW) + offset

    @pytest.mark.parametrize("offset", [-2, 2])
    def test_refuses_two_steps_of_drift(self, offset: int) -> None:
        moment = NOW + timedelta(seconds=30 * offset)
        assert verify_totp(RFC_SECRET, code_at(moment), now=NOW) is None

    def test_refuses_a_wrong_code(self) -> None:
        wrong = f"{(int(code_at(NOW)) + 1) % 1_000_000:06d}"
        assert verify_totp(RFC_SECRET, wrong, now=NOW) is None

    def test_refuses_another_secret(self) -> None:
        assert verify_totp(new_totp_secret(), code_at(NOW), now=NOW) is None

    @pytest.mark.parametrize("code", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦"])
    def test_refuses_malformed_codes(self, code: str) -> None:
        assert verify_totp(RFC_SECRET, code, now=NOW) is None

    def test_forgives_a_space_in_the_middle(self) -> None:
        code = code_at(NOW)
        assert verify_totp(RFC_SECRET, f"{code[:3]} {code[3:]}", now=NOW) == totp_step(NOW)

    def test_refuses_a_replayed_step(self) -> None:
        step = verify_totp(RFC_SECRET, code_at(NOW), now=NOW)
        assert step is not None
        assert verify_totp(RFC_SECRET, code_at(NOW), now=NOW, last_used_step=step) is None

    def test_refuses_an_older_step_after_a_newer_one(self) -> None:
        previous = code_at(NOW - timedelta(seconds=30))
        step = totp_step(NOW)
        assert verify_totp(RFC_SECRET, previous, now=NOW, last_used_step=step) is None

    def test_accepts_the_next_step_after_a_used_one(self) -> None:
        later = NOW + timedelta(seconds=30)
        step = totp_step(NOW)
        assert verify_totp(RFC_SECRET, code_at(later), now=later, last_used_step=step) == step + 1


class TestNewBackupCodes:
    def test_makes_ten_readable_codes(self) -> None:
        codes = new_backup_codes()
        assert len(codes) == BACKUP_CODE_COUNT
        assert all(
            re.fullmatch(r"([0-9a-hjkmnp-tv-z]{4}-){2}[0-9a-hjkmnp-tv-z]{4}", c) for c in codes
        )

    def test_makes_distinct_codes(self) -> None:
        assert len(set(new_backup_codes(50))) == 50


class TestHashBackupCode:
    def test_is_deterministic_per_user(self) -> None:
        assert hash_backup_code("k3m9-x2pq-7vtd", user_id=USER) == hash_backup_code(
            "k3m9-x2pq-7vtd", user_id=USER
        )

    def test_is_salted_with_the_user(self) -> None:
        assert hash_backup_code("k3m9-x2pq-7vtd", user_id=USER) != hash_backup_code(
            "k3m9-x2pq-7vtd", user_id="another-user"
        )

    def test_does_not_store_the_code(self) -> None:
        assert "k3m9" not in hash_backup_code("k3m9-x2pq-7vtd", user_id=USER)

    @pytest.mark.parametrize("typed", ["K3M9-X2PQ-7VTD", "k3m9x2pq7vtd", " k3m9 x2pq 7vtd "])
    def test_forgives_case_spaces_and_hyphens(self, typed: str) -> None:
        assert hash_backup_code(typed, user_id=USER) == hash_backup_code(
            "k3m9-x2pq-7vtd", user_id=USER
        )

    def test_reads_o_as_zero_and_i_l_as_one(self) -> None:
        assert hash_backup_code("ol1i-aaaa-bbbb", user_id=USER) == hash_backup_code(
            "0111-aaaa-bbbb", user_id=USER
        )


class TestVerifyBackupCode:
    def test_returns_the_index_of_the_matching_code(self) -> None:
        codes = new_backup_codes()
        hashes = [hash_backup_code(c, user_id=USER) for c in codes]
        assert verify_backup_code(codes[7], hashes, user_id=USER) == 7

    def test_refuses_a_used_code(self) -> None:
        codes = new_backup_codes()
        hashes: list[str | None] = [hash_backup_code(c, user_id=USER) for c in codes]
        hashes[3] = None
        assert verify_backup_code(codes[3], hashes, user_id=USER) is None

    def test_refuses_an_unknown_code(self) -> None:
        hashes = [hash_backup_code(c, user_id=USER) for c in new_backup_codes()]
        assert verify_backup_code(new_backup_codes(1)[0], hashes, user_id=USER) is None

    def test_refuses_another_users_code(self) -> None:
        codes = new_backup_codes()
        hashes = [hash_backup_code(c, user_id="another-user") for c in codes]
        assert verify_backup_code(codes[0], hashes, user_id=USER) is None
