import hashlib

import pytest

from backbeat.identity.opaque_tokens import (
    DEVICE_PREFIX,
    PERSONAL_ACCESS_PREFIX,
    REFRESH_PREFIX,
    hash_opaque_token,
    new_opaque_token,
)


class TestNewOpaqueToken:
    @pytest.mark.parametrize("prefix", [REFRESH_PREFIX, PERSONAL_ACCESS_PREFIX, DEVICE_PREFIX])
    def test_starts_with_its_prefix_and_carries_256_bits(self, prefix: str) -> None:
        token, _ = new_opaque_token(prefix)
        assert token.startswith(prefix)
        assert len(token) == len(prefix) + 43  # 32 bytes in unpadded base64url

    def test_returns_the_hash_to_store(self) -> None:
        token, digest = new_opaque_token(REFRESH_PREFIX)
        assert digest == hash_opaque_token(token)

    def test_is_unique(self) -> None:
        assert len({new_opaque_token(REFRESH_PREFIX).token for _ in range(100)}) == 100

    @pytest.mark.parametrize("prefix", ["", "bbr", "BBR_", "b_", "far-too-long_"])
    def test_refuses_a_malformed_prefix(self, prefix: str) -> None:
        with pytest.raises(ValueError, match="prefix"):
            new_opaque_token(prefix)


class TestHashOpaqueToken:
    def test_is_sha256_hex(self) -> None:
        assert hash_opaque_token("abc") == hashlib.sha256(b"abc").hexdigest()
        assert hash_opaque_token("abc").startswith("ba7816bf8f01cfea")
