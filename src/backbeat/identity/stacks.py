"""Stacks wallets: c32check addresses, and proofs signed with stx_signMessage."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from Crypto.Hash import RIPEMD160

from backbeat.identity.sign_in_messages import (
    check_context,
    check_nonce,
    compose,
    format_time,
    parse_sign_in_message,
)
from backbeat.identity.wallet_proofs import (
    InvalidWallet,
    VerifiedWallet,
    WalletProofRejected,
    recover_public_key,
    signature_bytes,
)

STACKS_MAINNET = "1"
STACKS_TESTNET = "2147483648"
STACKS_ADDRESS_PREFIXES = ("SP", "SM", "ST", "SN")

C32_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
STACKS_P2PKH_MAINNET, STACKS_P2PKH_TESTNET = 22, 26  # SP…, ST… (single-signature)
# Address version → network; 20 (SM…) and 21 (SN…) are multi-signature (P2SH) addresses.
_STACKS_NETWORK = {22: STACKS_MAINNET, 20: STACKS_MAINNET, 26: STACKS_TESTNET, 21: STACKS_TESTNET}
_STACKS_PREFIX = b"\x17Stacks Signed Message:\n"


def c32_encode(data: bytes) -> str:
    """Big-endian base32, one '0' per leading zero byte (stacks-network/c32check encoding.ts)."""
    value, digits = int.from_bytes(data, "big"), []
    while value:
        value, digit = divmod(value, 32)
        digits.append(C32_ALPHABET[digit])
    leading_zero_bytes = len(data) - len(data.lstrip(b"\0"))
    return "0" * leading_zero_bytes + "".join(reversed(digits))


def c32_decode(text: str) -> bytes:
    """The inverse of c32_encode; raises InvalidWallet on characters outside the alphabet."""
    value = 0
    for char in text:
        digit = C32_ALPHABET.find(char)
        if digit < 0:
            raise InvalidWallet(f"{char!r} is not a c32 character")
        value = value * 32 + digit
    leading_zero_bytes = len(text) - len(text.lstrip("0"))
    return b"\0" * leading_zero_bytes + value.to_bytes((value.bit_length() + 7) // 8, "big")


def _c32_checksum(version: int, data: bytes) -> bytes:
    """The first 4 bytes of a double SHA-256 over version byte and data."""
    return hashlib.sha256(hashlib.sha256(bytes([version]) + data).digest()).digest()[:4]


def c32check_encode(version: int, data: bytes) -> str:
    """The version as one c32 character, then c32 of data and checksum."""
    if not 0 <= version < 32:
        raise InvalidWallet("a c32check version is between 0 and 31")
    return C32_ALPHABET[version] + c32_encode(data + _c32_checksum(version, data))


def c32check_decode(text: str) -> tuple[int, bytes]:
    """Split and verify a c32check string into (version, data)."""
    if not text:
        raise InvalidWallet("empty c32check string")
    version, payload = C32_ALPHABET.find(text[0]), c32_decode(text[1:])
    if version < 0 or len(payload) < 4:
        raise InvalidWallet("malformed c32check string")
    data, checksum = payload[:-4], payload[-4:]
    if not hmac.compare_digest(checksum, _c32_checksum(version, data)):
        raise InvalidWallet("c32check checksum mismatch")
    return version, data


def c32_address(version: int, hash160: bytes) -> str:
    """A Stacks address: 'S', then the c32check of the 20-byte hash160."""
    if len(hash160) != 20:
        raise InvalidWallet("a Stacks address holds a 20-byte hash")
    return "S" + c32check_encode(version, hash160)


def c32_address_decode(address: str) -> tuple[int, bytes]:
    """Decode a Stacks address, refusing non-canonical spellings of the same bytes."""
    if not address.startswith("S") or not 28 <= len(address) <= 41:
        raise InvalidWallet("a Stacks address starts with S and has 28 to 41 characters")
    version, data = c32check_decode(address[1:])
    if len(data) != 20 or c32_address(version, data) != address:
        raise InvalidWallet("not a canonical Stacks address")
    return version, data


def normalise_stacks(chain_ref: str | None, address: str) -> str:
    """stacks:<1 | 2147483648>:<address>, the network read from the address version."""
    address = address.upper()
    version, _ = c32_address_decode(address)
    network = _STACKS_NETWORK.get(version)
    if network is None:
        raise InvalidWallet("not a standard Stacks address version")
    if chain_ref is not None and chain_ref != network:
        raise InvalidWallet("the Stacks address belongs to another network")
    return f"stacks:{network}:{address}"


def _canonical_address(text: str) -> str:
    """The address of a bare SP…/ST… address or a stacks: CAIP-10 string, upper case."""
    namespace, _, address = text.strip().rpartition(":")
    networks = ("", f"stacks:{STACKS_MAINNET}", f"stacks:{STACKS_TESTNET}")
    if namespace not in networks or not address.upper().startswith(STACKS_ADDRESS_PREFIXES):
        raise InvalidWallet("not a Stacks address")
    reference = namespace.removeprefix("stacks:") or None
    return normalise_stacks(reference, address).rsplit(":", 1)[1]


def build_stacks_message(
    address: str, *, domain: str, nonce: str, issued_at: datetime, expiration_time: datetime
) -> str:
    """A SIWE-shaped message for a Stacks wallet to sign (stx_signMessage)."""
    values = [check_nonce(nonce), format_time(issued_at), format_time(expiration_time)]
    canonical = _canonical_address(address)
    return compose("Stacks", domain=domain, address=canonical, statement=None, values=values)


def _compact_size(length: int) -> bytes:
    """Bitcoin's CompactSize varint, which prefixes the message length."""
    if length < 0xFD:
        return bytes([length])
    marker, size = (b"\xfd", 2) if length <= 0xFFFF else (b"\xfe", 4)
    return marker + length.to_bytes(size, "little")  # a sign-in message is never 4 GiB


def stacks_message_digest(message: str) -> bytes:
    """sha256(b"\\x17Stacks Signed Message:\\n" + varint(len) + message), what wallets sign."""
    payload = message.encode()
    return hashlib.sha256(_STACKS_PREFIX + _compact_size(len(payload)) + payload).digest()


def _split_stacks_signature(raw: bytes) -> tuple[bytes, int]:
    """Wallets send RSV (r, s, recovery id); VRS is read only when the last byte cannot be a v."""
    if raw[64] <= 3:
        return raw[:64], raw[64]
    if raw[0] <= 3:
        return raw[1:], raw[0]
    raise WalletProofRejected("neither RSV nor VRS: no recovery id byte")


def _hash160(data: bytes) -> bytes:
    """RIPEMD-160 of SHA-256, the key hash inside a Stacks address."""
    return RIPEMD160.new(hashlib.sha256(data).digest()).digest()


def verify_stacks(
    message: str, signature_hex: str, *, domain: str, now: datetime
) -> VerifiedWallet:
    """Check a Stacks message signed by the single-signature (SP/ST) address it names."""
    parsed = parse_sign_in_message(message, chain="Stacks")
    check_context(parsed, domain=domain, now=now)
    try:
        version, key_hash = c32_address_decode(parsed.address)
    except InvalidWallet as exc:
        raise WalletProofRejected(exc.reason) from exc
    if version not in (STACKS_P2PKH_MAINNET, STACKS_P2PKH_TESTNET):
        raise WalletProofRejected("only single-signature SP/ST addresses can sign in")
    compact, recovery_id = _split_stacks_signature(signature_bytes(signature_hex))
    public_key = recover_public_key(compact, recovery_id, stacks_message_digest(message))
    # Today's wallets use compressed keys; early Stacks addresses hashed the uncompressed form.
    hashes = {_hash160(public_key.format(compressed=c)) for c in (True, False)}
    if key_hash not in hashes:
        raise WalletProofRejected("the signature is not from the address in the message")
    return VerifiedWallet(caip10=normalise_stacks(None, parsed.address), nonce=parsed.nonce)
