import pytest
from hypothesis import given
from hypothesis import strategies as st

from backbeat.identity.secretbox import FORMAT_VERSION, SecretBox, SecretBoxError, derive_key

SECRET = "a settings secret of reasonable length, 32+ chars"
ROW = b"user:0b7f6c1e-6d4e-4a43-9f7a-3c3e2b1a0f00"


def box(secret: str = SECRET, purpose: str = "totp", previous: tuple[str, ...] = ()) -> SecretBox:
    return SecretBox(secret, purpose=purpose, previous_secrets=previous)


class TestDeriveKey:
    def test_is_deterministic_and_256_bits(self) -> None:
        key = derive_key(SECRET, "totp")
        assert key == derive_key(SECRET, "totp")
        assert len(key) == 32

    def test_differs_per_purpose(self) -> None:
        assert derive_key(SECRET, "totp") != derive_key(SECRET, "oauth")

    def test_differs_per_secret(self) -> None:
        assert derive_key(SECRET, "totp") != derive_key(SECRET + "x", "totp")

    def test_refuses_an_empty_purpose(self) -> None:
        with pytest.raises(ValueError, match="purpose"):
            derive_key(SECRET, "")


class TestSeal:
    def test_output_is_version_nonce_ciphertext_and_tag(self) -> None:
        sealed = box().seal(b"JBSWY3DPEHPK3PXP", associated_data=ROW)
        assert sealed[0] == FORMAT_VERSION
        assert len(sealed) == 1 + 12 + len(b"JBSWY3DPEHPK3PXP") + 16

    def test_does_not_contain_the_plaintext(self) -> None:
        assert b"JBSWY3DPEHPK3PXP" not in box().seal(b"JBSWY3DPEHPK3PXP", associated_data=ROW)

    def test_uses_a_fresh_nonce_each_time(self) -> None:
        first = box().seal(b"same", associated_data=ROW)
        second = box().seal(b"same", associated_data=ROW)
        assert first[1:13] != second[1:13]
        assert first != second


class TestOpen:
    @given(plaintext=st.binary(max_size=512), associated_data=st.binary(max_size=64))
    def test_round_trips(self, plaintext: bytes, associated_data: bytes) -> None:
        sealed = box().seal(plaintext, associated_data=associated_data)
        assert box().open(sealed, associated_data=associated_data) == plaintext

    def test_refuses_a_wrong_key(self) -> None:
        sealed = box().seal(b"secret", associated_data=ROW)
        with pytest.raises(SecretBoxError, match="wrong key"):
            box(secret="another secret entirely").open(sealed, associated_data=ROW)

    def test_refuses_another_purpose(self) -> None:
        sealed = box(purpose="totp").seal(b"secret", associated_data=ROW)
        with pytest.raises(SecretBoxError):
            box(purpose="oauth").open(sealed, associated_data=ROW)

    def test_refuses_another_row(self) -> None:
        sealed = box().seal(b"secret", associated_data=ROW)
        with pytest.raises(SecretBoxError):
            box().open(sealed, associated_data=b"user:someone-else")

    @given(data=st.data())
    def test_refuses_any_flipped_byte(self, data: st.DataObject) -> None:
        sealed = bytearray(box().seal(b"oauth refresh token", associated_data=ROW))
        index = data.draw(st.integers(min_value=0, max_value=len(sealed) - 1))
        sealed[index] ^= data.draw(st.integers(min_value=1, max_value=255))
        with pytest.raises(SecretBoxError):
            box().open(bytes(sealed), associated_data=ROW)

    def test_refuses_truncated_data(self) -> None:
        sealed = box().seal(b"", associated_data=ROW)
        with pytest.raises(SecretBoxError, match="too short"):
            box().open(sealed[:-1], associated_data=ROW)

    def test_refuses_an_unknown_version(self) -> None:
        sealed = box().seal(b"secret", associated_data=ROW)
        with pytest.raises(SecretBoxError, match="version 2"):
            box().open(b"\x02" + sealed[1:], associated_data=ROW)

    def test_opens_data_sealed_under_a_previous_secret(self) -> None:
        sealed = box(secret="the old secret").seal(b"secret", associated_data=ROW)
        rotated = box(previous=("the old secret",))
        assert rotated.open(sealed, associated_data=ROW) == b"secret"

    def test_seals_with_the_current_secret_after_rotation(self) -> None:
        sealed = box(previous=("the old secret",)).seal(b"secret", associated_data=ROW)
        with pytest.raises(SecretBoxError):
            box(secret="the old secret").open(sealed, associated_data=ROW)
        assert box().open(sealed, associated_data=ROW) == b"secret"
