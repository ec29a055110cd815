"""Sign-In with Ethereum (EIP-4361): EIP-55 addresses, the message, and personal_sign proofs."""

from __future__ import annotations

import re
from datetime import datetime

from Crypto.Hash import keccak

from backbeat.identity.sign_in_messages import (
    EVM_CHAIN_ID,
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

_EVM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


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


def normalise_evm(chain_id: str, address: str) -> str:
    """eip155:<chain>:<EIP-55 address>; a mixed-case input must already carry a valid checksum."""
    if not EVM_CHAIN_ID.fullmatch(chain_id):
        raise InvalidWallet("an eip155 chain id is a positive decimal number")
    if not _EVM_ADDRESS.fullmatch(address):
        raise InvalidWallet("an EVM address is 0x and 40 hexadecimal digits")
    checksummed, body = eip55(address), address[2:]
    if body not in (body.lower(), body.upper()) and address != checksummed:
        raise InvalidWallet("EIP-55 checksum mismatch")
    return f"eip155:{chain_id}:{checksummed}"


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
    checksummed = normalise_evm(str(chain_id), address).rsplit(":", 1)[1]
    values = [uri, "1", str(chain_id), check_nonce(nonce)]
    values += [format_time(issued_at), format_time(expiration_time)]
    return compose(
        "Ethereum", domain=domain, address=checksummed, statement=statement, values=values
    )


def _recover_evm_address(message: str, signature_hex: str) -> str:
    """The EIP-55 address of the externally owned account that personal_signed the message."""
    raw, payload = signature_bytes(signature_hex), message.encode()
    digest = _keccak256(b"\x19Ethereum Signed Message:\n" + str(len(payload)).encode() + payload)
    v = raw[64]
    public_key = recover_public_key(raw[:64], v - 27 if v >= 27 else v, digest)
    return eip55("0x" + _keccak256(public_key.format(compressed=False)[1:])[-20:].hex())


def verify_siwe(message: str, signature: str, *, domain: str, now: datetime) -> VerifiedWallet:
    """Check a signed SIWE message (externally owned accounts; no EIP-1271 contract wallets)."""
    parsed = parse_sign_in_message(message, chain="Ethereum")
    check_context(parsed, domain=domain, now=now)
    if not _EVM_ADDRESS.fullmatch(parsed.address) or eip55(parsed.address) != parsed.address:
        raise WalletProofRejected("the message address is not EIP-55 checksummed")
    if _recover_evm_address(message, signature) != parsed.address:
        raise WalletProofRejected("the signature is not from the address in the message")
    return VerifiedWallet(caip10=f"eip155:{parsed.chain_id}:{parsed.address}", nonce=parsed.nonce)
