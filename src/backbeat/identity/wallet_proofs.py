"""What every wallet proof shares: its errors, its result, and secp256k1 public-key recovery."""

from __future__ import annotations

from dataclasses import dataclass

from coincurve import PublicKey


class _ReasonError(ValueError):
    """An error whose one-line reason is safe to show to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidWallet(_ReasonError):
    """A wallet address that is malformed, has a bad checksum, or names an unknown chain."""


class WalletProofRejected(_ReasonError):
    """A sign-in message or signature that does not prove control of the wallet it names."""


@dataclass(frozen=True, slots=True)
class VerifiedWallet:
    """A wallet whose owner signed our message, and the nonce to consume exactly once."""

    caip10: str
    nonce: str


def signature_bytes(signature_hex: str) -> bytes:
    """65 signature bytes from hex, with or without 0x."""
    text = signature_hex.removeprefix("0x")
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise WalletProofRejected("the signature is not hexadecimal") from None
    if len(raw) != 65:
        raise WalletProofRejected("a recoverable signature is 65 bytes")
    return raw


def recover_public_key(compact: bytes, recovery_id: int, digest: bytes) -> PublicKey:
    """The secp256k1 public key that made a signature over a 32-byte digest."""
    if recovery_id not in (0, 1, 2, 3):
        raise WalletProofRejected("bad signature recovery id")
    try:
        return PublicKey.from_signature_and_message(
            compact + bytes([recovery_id]), digest, hasher=None
        )
    except ValueError:
        raise WalletProofRejected("the signature does not recover a public key") from None
