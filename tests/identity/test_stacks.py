import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from coincurve import PrivateKey
from Crypto.Hash import RIPEMD160
from hypothesis import given
from hypothesis import strategies as st

from backbeat.identity.sign_in_messages import parse_sign_in_message
from backbeat.identity.stacks import (
    _split_stacks_signature,
    build_stacks_message,
    c32_address,
    c32_address_decode,
    c32_decode,
    c32_encode,
    c32check_decode,
    c32check_encode,
    stacks_message_digest,
    verify_stacks,
)
from backbeat.identity.wallet_proofs import (
    InvalidWallet,
    VerifiedWallet,
    WalletProofRejected,
    recover_public_key,
)
from tests.identity.factories import DOMAIN, NONCE, NOW, VITALIK

HASH160 = bytes.fromhex("a46ff88886c2ef9762d970b4d2c63678835bd39d")
# The SIP-018 test key from stacks.js (packages/transactions/tests/structuredDataSignature.test.ts).
STACKS_KEY = PrivateKey(
    bytes.fromhex("753b7cc01a1a2e86221266a154af739463fce51219d97e4f856cd7200c3bd2a6")
)
STACKS_OTHER = PrivateKey(bytes.fromhex("22" * 32))


def hash160(data: bytes) -> bytes:
    return RIPEMD160.new(hashlib.sha256(data).digest()).digest()


def stacks_address(key: PrivateKey, version: int = 22, compressed: bool = True) -> str:
    return c32_address(version, hash160(key.public_key.format(compressed=compressed)))


def stacks_message(address: str | None = None, *, domain: str = DOMAIN, nonce: str = NONCE) -> str:
    return build_stacks_message(
        address or stacks_address(STACKS_KEY),
        domain=domain,
        nonce=nonce,
        issued_at=NOW,
        expiration_time=NOW + timedelta(minutes=10),
    )


def stacks_sign(message: str, key: PrivateKey = STACKS_KEY) -> bytes:
    """r(32) | s(32) | recovery id(1): the RSV order Stacks wallets send."""
    return key.sign_recoverable(stacks_message_digest(message), hasher=None)


def signed_where(wanted: Callable[[bytes], bool]) -> tuple[str, bytes]:
    """The first message (varying the nonce) whose RSV signature has the wanted shape."""
    for index in range(10_000):
        message = stacks_message(nonce=f"nonce{index:05d}")
        signature = stacks_sign(message)
        if wanted(signature):
            return message, signature
    raise AssertionError("no such signature in 10,000 tries")


# Vectors from stacks-network/c32check tests/unitTests/src/index.ts.
C32_VECTORS = [
    ("a46ff88886c2ef9762d970b4d2c63678835bd39d", "MHQZH246RBQSERPSE2TD5HHPF21NQMWX"),
    ("", ""),
    ("0000000000000000000000000000000000000000", "00000000000000000000"),
    ("0000000000000000000000000000000000000001", "00000000000000000001"),
    ("01", "1"),
    ("22", "12"),
    ("0001", "01"),
    ("1000", "400"),
    ("01000000", "G0000"),
]
C32CHECK_VECTORS = [
    (22, "a46ff88886c2ef9762d970b4d2c63678835bd39d", "P2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"),
    (22, "", "P37JJX3D"),
    (22, "01", "P4VKEFGY"),
    (0, "a46ff88886c2ef9762d970b4d2c63678835bd39d", "02J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKPVKG2CE"),
    (31, "0000000000000000000000000000000000000001", "Z00000000000000000005HZ3DVN"),
    (2, "0100000000", "2G000003FNKA3P"),
]
ADDRESS_VECTORS = [
    (22, "a46ff88886c2ef9762d970b4d2c63678835bd39d", "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"),
    (20, "a46ff88886c2ef9762d970b4d2c63678835bd39d", "SM2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQVX8X0G"),
    (26, "a46ff88886c2ef9762d970b4d2c63678835bd39d", "ST2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQYAC0RQ"),
    (21, "a46ff88886c2ef9762d970b4d2c63678835bd39d", "SN2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKP6D2ZK9"),
    (22, "0000000000000000000000000000000000000000", "SP000000000000000000002Q6VF78"),
    (26, "1000000000000000000000000000000000000001", "ST80000000000000000000000000000006BYJ4R4"),
]


class TestC32Encode:
    @pytest.mark.parametrize(("hex_data", "c32"), C32_VECTORS)
    def test_matches_the_reference_vectors(self, hex_data: str, c32: str) -> None:
        assert c32_encode(bytes.fromhex(hex_data)) == c32

    @given(st.binary(max_size=64))
    def test_round_trips(self, data: bytes) -> None:
        assert c32_decode(c32_encode(data)) == data


class TestC32Decode:
    @pytest.mark.parametrize(("hex_data", "c32"), C32_VECTORS)
    def test_matches_the_reference_vectors(self, hex_data: str, c32: str) -> None:
        assert c32_decode(c32) == bytes.fromhex(hex_data)

    @pytest.mark.parametrize("text", ["wtu", "ILOU", "12-3"])
    def test_refuses_characters_outside_the_alphabet(self, text: str) -> None:
        with pytest.raises(InvalidWallet, match="not a c32 character"):
            c32_decode(text)


class TestC32check:
    @pytest.mark.parametrize(("version", "hex_data", "encoded"), C32CHECK_VECTORS)
    def test_matches_the_reference_vectors(self, version: int, hex_data: str, encoded: str) -> None:
        assert c32check_encode(version, bytes.fromhex(hex_data)) == encoded
        assert c32check_decode(encoded) == (version, bytes.fromhex(hex_data))

    @given(st.integers(min_value=0, max_value=31), st.binary(max_size=40))
    def test_round_trips(self, version: int, data: bytes) -> None:
        assert c32check_decode(c32check_encode(version, data)) == (version, data)

    @pytest.mark.parametrize("version", [-1, 32, 100])
    def test_refuses_versions_outside_0_to_31(self, version: int) -> None:
        with pytest.raises(InvalidWallet, match="version"):
            c32check_encode(version, b"\xab")

    def test_refuses_a_bad_checksum(self) -> None:
        with pytest.raises(InvalidWallet, match="checksum"):
            c32check_decode("P2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ8")


class TestC32Address:
    @pytest.mark.parametrize(("version", "hex_data", "address"), ADDRESS_VECTORS)
    def test_matches_the_reference_vectors(self, version: int, hex_data: str, address: str) -> None:
        assert c32_address(version, bytes.fromhex(hex_data)) == address
        assert c32_address_decode(address) == (version, bytes.fromhex(hex_data))

    def test_refuses_a_hash_that_is_not_20_bytes(self) -> None:
        with pytest.raises(InvalidWallet, match="20-byte"):
            c32_address(22, HASH160[:19])

    @pytest.mark.parametrize(
        "address",
        [
            "ST2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQYAC0RQ0",  # these five come from c32check's tests
            "ST2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQYAC0RR",
            "ST2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQYAC0R",
            "ST2J",
            "bP2CT665Q0JB7P39TZ7BST0QYCAQSMJWBZK8QT35J",
            "SP02J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7",  # a non-canonical extra zero
        ],
    )
    def test_refuses_invalid_addresses(self, address: str) -> None:
        with pytest.raises(InvalidWallet):
            c32_address_decode(address)


class TestStacksMessageDigest:
    def test_matches_stacks_js(self) -> None:
        # stacks.js packages/transactions/tests/structuredDataSignature.test.ts, "hello world"
        # under the "\x17Stacks Signed Message:\n" prefix.
        expected = "619997693db23de4b92ed152444a578a134143d9ad2c0f4dff2615de9d42ad96"
        assert stacks_message_digest("hello world").hex() == expected

    def test_prefixes_a_compact_size_length(self) -> None:
        message = "x" * 300
        payload = b"\x17Stacks Signed Message:\n" + b"\xfd\x2c\x01" + message.encode()
        assert stacks_message_digest(message) == hashlib.sha256(payload).digest()


class TestStacksSignatureFormat:
    def test_reads_a_stacks_js_rsv_signature(self) -> None:
        # The SIP-018 vector in stacks.js: this RSV signature recovers ST1PQHQ…'s key.
        signature = bytes.fromhex(
            "8b94e45701d857c9f1d1d70e8b2ca076045dae4920fb0160be0642a68cd78de0"
            "72ab527b5c5277a593baeb2a8b657c216b99f7abb5d14af35b4bf12ba6460ba401"
        )
        digest = bytes.fromhex("1bfdab6d4158313ce34073fbb8d6b0fc32c154d439def12247a0f44bb2225259")
        public_key = recover_public_key(*_split_stacks_signature(signature), digest)
        assert (
            c32_address(26, hash160(public_key.format()))
            == "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"
        )


class TestBuildStacksMessage:
    def test_is_readable_and_parses_back(self) -> None:
        address = stacks_address(STACKS_KEY)
        message = stacks_message(address)
        assert message.split("\n") == [
            f"{DOMAIN} wants you to sign in with your Stacks account:",
            address,
            "",
            "",
            f"Nonce: {NONCE}",
            "Issued At: 2026-11-22T12:00:00Z",
            "Expiration Time: 2026-11-22T12:10:00Z",
        ]
        parsed = parse_sign_in_message(message, chain="Stacks")
        assert (parsed.domain, parsed.address, parsed.nonce) == (DOMAIN, address, NONCE)
        assert (parsed.issued_at, parsed.chain_id) == (NOW, None)

    def test_refuses_an_evm_address(self) -> None:
        with pytest.raises(InvalidWallet, match="not a Stacks"):
            stacks_message(VITALIK)


class TestVerifyStacks:
    def test_accepts_an_rsv_signature_from_the_named_address(self) -> None:
        message = stacks_message()
        verified = verify_stacks(message, stacks_sign(message).hex(), domain=DOMAIN, now=NOW)
        assert verified == VerifiedWallet(f"stacks:1:{stacks_address(STACKS_KEY)}", NONCE)

    def test_accepts_a_testnet_address(self) -> None:
        message = stacks_message(stacks_address(STACKS_KEY, version=26))
        verified = verify_stacks(message, stacks_sign(message).hex(), domain=DOMAIN, now=NOW)
        assert verified.caip10 == "stacks:2147483648:ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"

    def test_accepts_an_address_of_an_uncompressed_key(self) -> None:
        message = stacks_message(stacks_address(STACKS_KEY, compressed=False))
        assert verify_stacks(message, stacks_sign(message).hex(), domain=DOMAIN, now=NOW)

    def test_accepts_vrs_when_the_last_byte_cannot_be_a_recovery_id(self) -> None:
        message, rsv = signed_where(lambda signature: signature[63] > 3)
        vrs = rsv[64:] + rsv[:64]
        assert verify_stacks(message, vrs.hex(), domain=DOMAIN, now=NOW)

    def test_reads_ambiguous_bytes_as_rsv(self) -> None:
        # s ends in a byte that could be a recovery id (about 1 in 64 signatures).
        message, rsv = signed_where(lambda signature: signature[63] <= 3)
        with pytest.raises(WalletProofRejected):
            verify_stacks(message, (rsv[64:] + rsv[:64]).hex(), domain=DOMAIN, now=NOW)
        assert verify_stacks(message, rsv.hex(), domain=DOMAIN, now=NOW)

    def test_refuses_a_signature_from_another_key(self) -> None:
        message = stacks_message()
        with pytest.raises(WalletProofRejected, match="not from the address"):
            verify_stacks(message, stacks_sign(message, STACKS_OTHER).hex(), domain=DOMAIN, now=NOW)

    def test_refuses_a_message_changed_after_signing(self) -> None:
        signature = stacks_sign(stacks_message()).hex()
        with pytest.raises(WalletProofRejected, match="not from the address"):
            verify_stacks(stacks_message(nonce="another1nonce"), signature, domain=DOMAIN, now=NOW)

    def test_refuses_another_domain(self) -> None:
        message = stacks_message(domain="evil.example")
        with pytest.raises(WalletProofRejected, match="another domain"):
            verify_stacks(message, stacks_sign(message).hex(), domain=DOMAIN, now=NOW)

    def test_refuses_an_expired_message(self) -> None:
        message = stacks_message()
        later = NOW + timedelta(minutes=11)
        with pytest.raises(WalletProofRejected, match="expired"):
            verify_stacks(message, stacks_sign(message).hex(), domain=DOMAIN, now=later)

    def test_refuses_a_multisig_address(self) -> None:
        message = stacks_message(stacks_address(STACKS_KEY, version=20))
        with pytest.raises(WalletProofRejected, match="single-signature"):
            verify_stacks(message, stacks_sign(message).hex(), domain=DOMAIN, now=NOW)

    def test_refuses_an_address_with_a_bad_checksum(self) -> None:
        good = stacks_address(STACKS_KEY)
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        message = stacks_message().replace(good, bad)
        with pytest.raises(WalletProofRejected, match="checksum"):
            verify_stacks(message, stacks_sign(message).hex(), domain=DOMAIN, now=NOW)

    @pytest.mark.parametrize("signature", ["zz" * 65, "ab" * 64, "ff" * 65])
    def test_refuses_malformed_signatures(self, signature: str) -> None:
        with pytest.raises(WalletProofRejected):
            verify_stacks(stacks_message(), signature, domain=DOMAIN, now=NOW)
