import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backbeat.media.cid import ContentHasher, cid_v1_raw

# Reference values from `ipfs add --cid-version 1 --raw-leaves` (single-block files).
KNOWN = [
    (b"", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
    (b"hello world", "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"),
]


class TestCidV1Raw:
    @pytest.mark.parametrize(("data", "cid"), KNOWN)
    def test_known_vectors(self, data: bytes, cid: str) -> None:
        assert cid_v1_raw(hashlib.sha256(data).digest()) == cid

    def test_is_base32_lowercase_without_padding(self) -> None:
        cid = cid_v1_raw(bytes(32))
        assert cid.startswith("bafkrei")
        assert len(cid) == 59
        assert cid == cid.lower()
        assert "=" not in cid

    @pytest.mark.parametrize("size", [0, 31, 33, 64])
    def test_refuses_a_digest_of_the_wrong_length(self, size: int) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            cid_v1_raw(bytes(size))


class TestContentHasher:
    @pytest.mark.parametrize(("data", "cid"), KNOWN)
    def test_matches_known_vectors(self, data: bytes, cid: str) -> None:
        hasher = ContentHasher()
        hasher.update(data)
        assert hasher.cid == cid
        assert hasher.sha256_hex == hashlib.sha256(data).hexdigest()

    @given(st.lists(st.binary(max_size=300), max_size=20))
    def test_streaming_in_any_chunks_equals_hashing_at_once(self, chunks: list[bytes]) -> None:
        hasher = ContentHasher()
        for chunk in chunks:
            hasher.update(chunk)
        whole = b"".join(chunks)
        assert hasher.size == len(whole)
        assert hasher.sha256_hex == hashlib.sha256(whole).hexdigest()
        assert hasher.cid == cid_v1_raw(hashlib.sha256(whole).digest())
