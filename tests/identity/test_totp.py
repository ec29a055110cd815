import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from backbeat.identity.totp import new_totp_secret, totp_provisioning_uri, totp_step, verify_totp

# RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", in base32.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
NOW = datetime(2026, 11, 22, 12, 0, 10, tzinfo=UTC)


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
