"""AES-256-GCM sealing of secrets at rest (TOTP secrets, OAuth tokens), bound to their row."""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT_VERSION = 1
_NONCE_BYTES = 12
_TAG_BYTES = 16
_HKDF_SALT = b"backbeat.secretbox"


class SecretBoxError(ValueError):
    """Sealed data cannot be opened: wrong key, wrong associated data, tampered or truncated."""


def derive_key(secret: str, purpose: str) -> bytes:
    """Derive a 256-bit key per purpose, so one settings secret never keys two uses."""
    if not purpose:
        raise ValueError("a secretbox needs a purpose label")
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=_HKDF_SALT,
        info=f"backbeat/secretbox/v{FORMAT_VERSION}/{purpose}".encode(),
    )
    return hkdf.derive(secret.encode())


class SecretBox:
    """Seals with the current secret; opens with it or any previous one (key rotation)."""

    def __init__(self, secret: str, *, purpose: str, previous_secrets: Sequence[str] = ()) -> None:
        self._sealer = AESGCM(derive_key(secret, purpose))
        self._openers = [self._sealer] + [AESGCM(derive_key(s, purpose)) for s in previous_secrets]

    def seal(self, plaintext: bytes, *, associated_data: bytes) -> bytes:
        """Encrypt to version | nonce | ciphertext+tag; the row's id goes in associated_data."""
        header = bytes([FORMAT_VERSION])
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = self._sealer.encrypt(nonce, plaintext, header + associated_data)
        return header + nonce + ciphertext

    def open(self, sealed: bytes, *, associated_data: bytes) -> bytes:
        """Decrypt, or raise SecretBoxError if anything about the input is not authentic."""
        if len(sealed) < 1 + _NONCE_BYTES + _TAG_BYTES:
            raise SecretBoxError("sealed data is too short")
        if sealed[0] != FORMAT_VERSION:
            raise SecretBoxError(f"unknown secretbox format version {sealed[0]}")
        nonce, ciphertext = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        for opener in self._openers:
            try:
                return opener.decrypt(nonce, ciphertext, sealed[:1] + associated_data)
            except InvalidTag:
                continue
        raise SecretBoxError("wrong key, wrong associated data, or tampered data")
