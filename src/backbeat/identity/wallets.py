"""Wallet identities as CAIP-10 strings, and proofs of control: SIWE (EVM) and Stacks messages."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from coincurve import PublicKey
from Crypto.Hash import RIPEMD160, keccak

STACKS_MAINNET = "1"
STACKS_TESTNET = "2147483648"
CLOCK_SKEW = timedelta(minutes=2)

C32_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
STACKS_P2PKH_MAINNET, STACKS_P2PKH_TESTNET = 22, 26  # SP…, ST… (single-signature)
# Address version → network; 20 (SM…) and 21 (SN…) are multi-signature (P2SH) addresses.
_STACKS_NETWORK = {22: STACKS_MAINNET, 20: STACKS_MAINNET, 26: STACKS_TESTNET, 21: STACKS_TESTNET}
_STACKS_PREFIX = b"\x17Stacks Signed Message:\n"
_EVM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_EVM_CHAIN_ID = re.compile(r"[1-9][0-9]{0,31}")
_NONCE = re.compile(r"[A-Za-z0-9]{8,}")
_SIWE_HEADER = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?P<domain>\S+) wants you to sign in with your "
    r"(?P<chain>Ethereum|Stacks) account:"
)
Chain = Literal["Ethereum", "Stacks"]
_SIWE_FIELDS = ("URI", "Version", "Chain ID", "Nonce", "Issued At", "Expiration Time")
_STACKS_FIELDS = ("Nonce", "Issued At", "Expiration Time")
_FIELD_ORDER = {"Ethereum": (*_SIWE_FIELDS, "Not Before", "Request ID"), "Stacks": _STACKS_FIELDS}
_REQUIRED_FIELDS = {"Ethereum": _SIWE_FIELDS, "Stacks": _STACKS_FIELDS}


class _ReasonError(ValueError):
    """An error whose one-line reason is safe to show to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidWallet(_ReasonError):
    """A wallet address that is malformed, has a bad checksum, or names an unknown chain."""


class InvalidWalletProof(_ReasonError):
    """A sign-in message or signature that does not prove control of the wallet it names."""


@dataclass(frozen=True, slots=True)
class VerifiedWallet:
    """A wallet whose owner signed our message, and the nonce to consume exactly once."""

    caip10: str
    nonce: str


@dataclass(frozen=True, slots=True)
class SignInMessage:
    """The fields of a parsed SIWE or Stacks sign-in message that verification relies on."""

    domain: str
    address: str
    nonce: str
    issued_at: datetime
    expiration_time: datetime
    not_before: datetime | None
    chain_id: int | None


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


def _keccak256(data: bytes) -> bytes:
    """Ethereum's Keccak-256 (not NIST SHA3-256)."""
    return keccak.new(digest_bits=256, data=data).digest()


def eip55(address: str) -> str:
    """The EIP-55 mixed-case checksum spelling of a 0x address."""
    lower = address[2:].lower()
    digest = _keccak256(lower.encode()).hex()
    return "0x" + "".join(
        c.upper() if int(h, 16) >= 8 else c for c, h in zip(lower, digest[:40], strict=True)
    )


def _normalise_evm(chain_id: str, address: str) -> str:
    """eip155:<chain>:<EIP-55 address>; a mixed-case input must already carry a valid checksum."""
    if not _EVM_CHAIN_ID.fullmatch(chain_id):
        raise InvalidWallet("an eip155 chain id is a positive decimal number")
    if not _EVM_ADDRESS.fullmatch(address):
        raise InvalidWallet("an EVM address is 0x and 40 hexadecimal digits")
    checksummed, body = eip55(address), address[2:]
    if body not in (body.lower(), body.upper()) and address != checksummed:
        raise InvalidWallet("EIP-55 checksum mismatch")
    return f"eip155:{chain_id}:{checksummed}"


def _normalise_stacks(chain_ref: str | None, address: str) -> str:
    """stacks:<1 | 2147483648>:<address>, the network read from the address version."""
    address = address.upper()
    version, _ = c32_address_decode(address)
    network = _STACKS_NETWORK.get(version)
    if network is None:
        raise InvalidWallet("not a standard Stacks address version")
    if chain_ref is not None and chain_ref != network:
        raise InvalidWallet("the Stacks address belongs to another network")
    return f"stacks:{network}:{address}"


def normalise_wallet(text: str) -> str:
    """One spelling per wallet (CAIP-10), so payees and proofs compare as plain strings."""
    text = text.strip()
    if text.startswith("0x"):
        return _normalise_evm("1", text)
    if ":" not in text and text[:2].upper() in ("SP", "SM", "ST", "SN"):
        return _normalise_stacks(None, text)
    namespace, _, rest = text.partition(":")
    reference, _, address = rest.partition(":")
    if namespace == "eip155":
        return _normalise_evm(reference, address)
    if namespace == "stacks" and reference in (STACKS_MAINNET, STACKS_TESTNET):
        return _normalise_stacks(reference, address)
    raise InvalidWallet("not an eip155 or stacks address")


def _timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with whole seconds, as SIWE messages show it."""
    if moment.tzinfo is None:
        raise ValueError("sign-in message times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _message_lines(chain: Chain, domain: str, address: str, statement: str | None) -> list[str]:
    """The header, address and optional statement shared by both message kinds (EIP-4361)."""
    if re.search(r"\s", domain) or (statement is not None and "\n" in statement):
        raise ValueError("domain has no spaces and statement is one line")
    head = [f"{domain} wants you to sign in with your {chain} account:", address, ""]
    return head + ([statement, ""] if statement else [""])


def _check_nonce(nonce: str) -> str:
    """EIP-4361: at least 8 alphanumeric characters."""
    if not _NONCE.fullmatch(nonce):
        raise ValueError("a nonce is at least 8 letters and digits")
    return nonce


def build_siwe_message(
    address: str,
    *,
    domain: str,
    uri: str,
    nonce: str,
    issued_at: datetime,
    expiration_time: datetime,
    chain_id: int = 1,
    statement: str | None = None,
) -> str:
    """An EIP-4361 message for the wallet to sign (personal_sign)."""
    checksummed = _normalise_evm(str(chain_id), address).rsplit(":", 1)[1]
    fields = [uri, "1", str(chain_id), _check_nonce(nonce)]
    fields += [_timestamp(issued_at), _timestamp(expiration_time)]
    body = [f"{name}: {value}" for name, value in zip(_SIWE_FIELDS, fields, strict=True)]
    return "\n".join(_message_lines("Ethereum", domain, checksummed, statement) + body)


def build_stacks_message(
    address: str, *, domain: str, nonce: str, issued_at: datetime, expiration_time: datetime
) -> str:
    """A SIWE-shaped message for a Stacks wallet to sign (stx_signMessage)."""
    namespace, _, canonical = normalise_wallet(address).rpartition(":")
    if not namespace.startswith("stacks:"):
        raise InvalidWallet("not a Stacks address")
    fields = [_check_nonce(nonce), _timestamp(issued_at), _timestamp(expiration_time)]
    body = [f"{name}: {value}" for name, value in zip(_STACKS_FIELDS, fields, strict=True)]
    return "\n".join(_message_lines("Stacks", domain, canonical, None) + body)


def _field_lines(lines: Sequence[str]) -> Sequence[str]:
    """The `Name: value` lines after the address, skipping the optional statement."""
    if lines[3] == "":
        return lines[4:]
    if lines[4] == "":
        return lines[5:]
    raise InvalidWalletProof("the statement must be one line followed by an empty line")


def _parse_fields(lines: Sequence[str], order: Sequence[str]) -> dict[str, str]:
    """Read `Name: value` lines that must follow `order`; each name at most once."""
    fields: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(": ")
        remaining = order[order.index(list(fields)[-1]) + 1 :] if fields else order
        if not sep or not value or name not in remaining:
            raise InvalidWalletProof(f"unexpected line in sign-in message: {line[:40]!r}")
        fields[name] = value
    return fields


def _parse_time(fields: dict[str, str], name: str) -> datetime:
    """An RFC 3339 time with an offset."""
    try:
        moment = datetime.fromisoformat(fields[name])
    except ValueError:
        raise InvalidWalletProof(f"{name} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise InvalidWalletProof(f"{name} has no time zone")
    return moment


def parse_sign_in_message(message: str, *, chain: Chain) -> SignInMessage:
    """Parse the EIP-4361 layout ('Ethereum') or our Stacks variant of it ('Stacks')."""
    lines = message.split("\n")
    header = _SIWE_HEADER.fullmatch(lines[0])
    if header is None or header["chain"] != chain or len(lines) < 5 or lines[2]:
        raise InvalidWalletProof(f"not a {chain} sign-in message")
    fields = _parse_fields(_field_lines(lines), _FIELD_ORDER[chain])
    missing = [name for name in _REQUIRED_FIELDS[chain] if name not in fields]
    if missing:
        raise InvalidWalletProof(f"sign-in message lacks {', '.join(missing)}")
    if not _NONCE.fullmatch(fields["Nonce"]):
        raise InvalidWalletProof("the nonce is not 8 or more letters and digits")
    if chain == "Ethereum" and (
        fields["Version"] != "1" or not _EVM_CHAIN_ID.fullmatch(fields["Chain ID"])
    ):
        raise InvalidWalletProof("unsupported SIWE version or chain id")
    return SignInMessage(
        domain=header["domain"],
        address=lines[1],
        nonce=fields["Nonce"],
        issued_at=_parse_time(fields, "Issued At"),
        expiration_time=_parse_time(fields, "Expiration Time"),
        not_before=_parse_time(fields, "Not Before") if "Not Before" in fields else None,
        chain_id=int(fields["Chain ID"]) if chain == "Ethereum" else None,
    )


def _check_context(parsed: SignInMessage, *, domain: str, now: datetime) -> None:
    """Refuse a message for another site, or one used outside its validity window."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if parsed.domain != domain:
        raise InvalidWalletProof("the message is for another domain")
    if now >= parsed.expiration_time:
        raise InvalidWalletProof("the message has expired")
    if parsed.issued_at > now + CLOCK_SKEW:
        raise InvalidWalletProof("the message is issued in the future")
    if parsed.not_before is not None and now < parsed.not_before:
        raise InvalidWalletProof("the message is not valid yet")


def _signature_bytes(signature_hex: str) -> bytes:
    """65 signature bytes from hex, with or without 0x."""
    text = signature_hex.removeprefix("0x")
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise InvalidWalletProof("the signature is not hexadecimal") from None
    if len(raw) != 65:
        raise InvalidWalletProof("a recoverable signature is 65 bytes")
    return raw


def _recover(compact: bytes, recovery_id: int, digest: bytes) -> PublicKey:
    """The secp256k1 public key that made a signature over a 32-byte digest."""
    if recovery_id not in (0, 1, 2, 3):
        raise InvalidWalletProof("bad signature recovery id")
    try:
        return PublicKey.from_signature_and_message(
            compact + bytes([recovery_id]), digest, hasher=None
        )
    except ValueError:
        raise InvalidWalletProof("the signature does not recover a public key") from None


def _recover_evm_address(message: str, signature_hex: str) -> str:
    """The EIP-55 address of the externally owned account that personal_signed the message."""
    raw, payload = _signature_bytes(signature_hex), message.encode()
    digest = _keccak256(b"\x19Ethereum Signed Message:\n" + str(len(payload)).encode() + payload)
    v = raw[64]
    public_key = _recover(raw[:64], v - 27 if v >= 27 else v, digest)
    return eip55("0x" + _keccak256(public_key.format(compressed=False)[1:])[-20:].hex())


def verify_siwe(message: str, signature: str, *, domain: str, now: datetime) -> VerifiedWallet:
    """Check a signed SIWE message (externally owned accounts; no EIP-1271 contract wallets)."""
    parsed = parse_sign_in_message(message, chain="Ethereum")
    _check_context(parsed, domain=domain, now=now)
    if not _EVM_ADDRESS.fullmatch(parsed.address) or eip55(parsed.address) != parsed.address:
        raise InvalidWalletProof("the message address is not EIP-55 checksummed")
    if _recover_evm_address(message, signature) != parsed.address:
        raise InvalidWalletProof("the signature is not from the address in the message")
    return VerifiedWallet(caip10=f"eip155:{parsed.chain_id}:{parsed.address}", nonce=parsed.nonce)


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
    raise InvalidWalletProof("neither RSV nor VRS: no recovery id byte")


def _hash160(data: bytes) -> bytes:
    """RIPEMD-160 of SHA-256, the key hash inside a Stacks address."""
    return RIPEMD160.new(hashlib.sha256(data).digest()).digest()


def verify_stacks(
    message: str, signature_hex: str, *, domain: str, now: datetime
) -> VerifiedWallet:
    """Check a Stacks message signed by the single-signature (SP/ST) address it names."""
    parsed = parse_sign_in_message(message, chain="Stacks")
    _check_context(parsed, domain=domain, now=now)
    try:
        version, key_hash = c32_address_decode(parsed.address)
    except InvalidWallet as exc:
        raise InvalidWalletProof(exc.reason) from exc
    if version not in (STACKS_P2PKH_MAINNET, STACKS_P2PKH_TESTNET):
        raise InvalidWalletProof("only single-signature SP/ST addresses can sign in")
    compact, recovery_id = _split_stacks_signature(_signature_bytes(signature_hex))
    public_key = _recover(compact, recovery_id, stacks_message_digest(message))
    # Today's wallets use compressed keys; early Stacks addresses hashed the uncompressed form.
    hashes = {_hash160(public_key.format(compressed=c)) for c in (True, False)}
    if key_hash not in hashes:
        raise InvalidWalletProof("the signature is not from the address in the message")
    return VerifiedWallet(caip10=normalise_wallet(parsed.address), nonce=parsed.nonce)
